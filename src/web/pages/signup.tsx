// The signup page (what the newsletter is, a sample of the latest comparison, the form) and the answer
// to a signup. The form works without JavaScript; errors come back from the server, next to the field.
import type { SampleComparison } from '../../issues/archive.js';
import { NAME_MAX } from '../../subscribers/import.js';
import { Layout, NEWSLETTER, type Site } from './layout.js';
import { LinkActions, MessagePage } from './messages.js';
import { ComparisonSample, NoSampleYet } from './sample.js';

export interface FormState {
  email?: string;
  name?: string;
  error?: { field: 'email' | 'name'; message: string };
}

export function SignupForm({ state = {}, title = 'Get the weekly verdicts' }: { state?: FormState; title?: string }) {
  const err = state.error;
  const emailError = err?.field === 'email' ? err.message : undefined;
  const nameError = err?.field === 'name' ? err.message : undefined;
  return (
    // novalidate: the server's messages (next to the field, in words) replace the browser's bubbles.
    <form className="card" id="subscribe" method="post" action="/subscribe" noValidate aria-labelledby="subscribe-title">
      <h2 id="subscribe-title">{title}</h2>
      {err && (
        <div className="error-summary" role="alert">
          <h2>There is a problem</h2>
          <p>
            <a href={`#${err.field}`}>{err.message}</a>
          </p>
        </div>
      )}
      <div className="field">
        <label htmlFor="email">Email address</label>
        {emailError && (
          <span className="error-text" id="email-error">
            {emailError}
          </span>
        )}
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          required
          maxLength={254}
          defaultValue={state.email ?? ''}
          autoFocus={Boolean(emailError)}
          aria-invalid={emailError ? true : undefined}
          aria-describedby={emailError ? 'email-error' : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor="name">
          Name <span className="hint">Optional</span>
        </label>
        {nameError && (
          <span className="error-text" id="name-error">
            {nameError}
          </span>
        )}
        <input
          id="name"
          name="name"
          type="text"
          autoComplete="name"
          maxLength={NAME_MAX}
          defaultValue={state.name ?? ''}
          autoFocus={Boolean(nameError)}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? 'name-error' : undefined}
        />
      </div>
      {/* A field people never see: bots that fill in every input give themselves away. */}
      <div className="hp" aria-hidden="true">
        <label htmlFor="website">Leave this field empty</label>
        <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
      </div>
      <p className="consent">
        {`By subscribing you agree to get one email a week from ${NEWSLETTER}. We first send a link to confirm the address; nothing else arrives until you click it. Every issue has a one-click unsubscribe link, and we erase your data whenever you ask.`}
      </p>
      <button className="btn block" type="submit">
        Subscribe
      </button>
    </form>
  );
}

export interface HomeProps {
  site: Site;
  form?: FormState;
  sample: { week: string; weekLabel: string; comparison: SampleComparison } | null;
}

export function HomePage({ site, form, sample }: HomeProps) {
  return (
    <Layout
      site={site}
      title={form?.error ? 'Check the form' : NEWSLETTER}
      description="Every week, two comparable AI tools side by side: the reviewer panel's ship-or-skip verdicts, the pricing entry and the readers' vote."
      wide
    >
      <div className="home">
        <section className="pitch" aria-labelledby="pitch-title">
          <p className="eyebrow">A weekly email for people who choose AI tools</p>
          <h1 id="pitch-title">Two AI tools, side by side. One verdict: ship or skip.</h1>
          <p className="lede">
            Each week we put two comparable AI tools head to head. Our reviewer panel says ship or skip, each in their own
            words; you get the pricing entry, what each tool is for, and how readers voted.
          </p>
          <ul className="points">
            <li>One short email a week.</li>
            <li>Verdicts with reasons, not star ratings.</li>
            <li>Vote ship or skip from the email; the community figure shows once enough readers have voted.</li>
          </ul>
        </section>
        <div className="signup">
          <SignupForm state={form} />
        </div>
        <div className="sample">
          {sample ? <ComparisonSample c={sample.comparison} week={sample.week} weekLabel={sample.weekLabel} /> : <NoSampleYet />}
        </div>
      </div>
    </Layout>
  );
}

/** The answer to every accepted signup, whatever the address's history (no enumeration). */
export function CheckInboxPage({ site, email }: { site: Site; email: string }) {
  return (
    <MessagePage site={site} title="Check your inbox" tone="ok" noindex>
      <p className="lede">
        {'If '}
        <strong>{email}</strong>
        {' is not subscribed yet, a confirmation link is on its way. Click it to start your subscription: nothing else is sent before that.'}
      </p>
      <p className="muted">
        Nothing after a few minutes? Look in the spam folder, or send the form again in ten minutes for a new link. The
        link works for seven days.
      </p>
      <LinkActions links={[{ href: '/issues', label: 'Read past issues meanwhile', secondary: true }]} />
    </MessagePage>
  );
}
