// After the confirm link: the welcome page, or why the link did not work and how to get a new one.
import type { Site } from './layout.js';
import { LinkActions, MessagePage, PostButton } from './messages.js';
import { SignupForm } from './signup.js';

export function WelcomePage({ site, already }: { site: Site; already: boolean }) {
  return (
    <MessagePage site={site} title={already ? 'You are already subscribed' : 'Welcome, you are in'} tone="ok" noindex>
      <p className="lede">
        {already
          ? 'This address is confirmed: the next issue comes to your inbox as usual.'
          : 'Your subscription is confirmed. The next issue arrives in your inbox within a week.'}
      </p>
      <p>
        Each issue puts two comparable AI tools side by side. Below each tool are two buttons, ship it and skip it: your vote
        joins the community figure. Every email ends with a one-click unsubscribe link.
      </p>
      <p className="muted small">Add the sender to your contacts so the issue does not land in spam.</p>
      <LinkActions links={[{ href: '/issues', label: 'Read past issues' }]} />
    </MessagePage>
  );
}

/** What the emailed link opens: one button, because mail scanners open links and must not confirm for
 * the reader. The button POSTs to the same address. */
export function ConfirmPage({ site, action }: { site: Site; action: string }) {
  return (
    <MessagePage site={site} title="Confirm your subscription" tone="info" noindex>
      <p className="lede">One click and the weekly issue comes to your inbox.</p>
      <PostButton action={action} label="Yes, subscribe me" />
      <p className="muted small">If you did not ask for this, close the page: nothing happens without the click.</p>
    </MessagePage>
  );
}

/** The link is genuine but older than seven days: one button sends a fresh one. */
export function ConfirmExpiredPage({ site, token }: { site: Site; token: string }) {
  return (
    <MessagePage site={site} title="This confirmation link has expired" tone="info" noindex>
      <p>Confirmation links work for seven days. Ask for a new one and click it within the week.</p>
      <PostButton action="/confirm/resend" label="Email me a new link" hidden={{ token }} />
    </MessagePage>
  );
}

/** Tampered, cut short, or for a reader who left meanwhile: the form starts over. */
export function ConfirmInvalidPage({ site, reason }: { site: Site; reason: 'invalid' | 'not-pending' }) {
  return (
    <MessagePage site={site} title={reason === 'invalid' ? 'This confirmation link does not work' : 'This confirmation link is no longer valid'} tone="error" noindex>
      <p>
        {reason === 'invalid'
          ? 'The link is incomplete or was changed on the way. Copy the whole link from the email, or ask for a new one below.'
          : 'The subscription it was for has ended since the link was sent. To subscribe again, ask for a new link below.'}
      </p>
      <SignupForm title="Get a new confirmation link" />
    </MessagePage>
  );
}

export function ResentPage({ site, outcome }: { site: Site; outcome: 'queued' | 'not-queued' }) {
  return (
    <MessagePage site={site} title={outcome === 'queued' ? 'A new link is on its way' : 'A link is already on its way'} tone="ok" noindex>
      <p>
        {outcome === 'queued'
          ? 'Check your inbox and click the new link within seven days.'
          : 'We sent one recently. Check your inbox and the spam folder; if nothing has come within the hour, ask again later.'}
      </p>
    </MessagePage>
  );
}
