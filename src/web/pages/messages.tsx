// The one-message page (a heading, a few sentences, actions) that most answers are, and the error pages.
import type { ReactNode } from 'react';
import { Layout, type Site } from './layout.js';

export type Tone = 'ok' | 'info' | 'error';
const ICONS: Record<Tone, string> = { ok: '✓', info: 'i', error: '!' };

export interface MessagePageProps {
  site: Site;
  title: string;
  tone: Tone;
  /** A short line above the heading: where this page belongs. */
  eyebrow?: string;
  /** Pages reached through a personal link stay out of search engines. */
  noindex?: boolean;
  children: ReactNode;
}

export function MessagePage({ site, title, tone, eyebrow, noindex, children }: MessagePageProps) {
  return (
    <Layout site={site} title={title} noindex={noindex}>
      <section className={`card notice ${tone}`} aria-labelledby="message-title">
        <span className="icon" aria-hidden="true">
          {ICONS[tone]}
        </span>
        {eyebrow && <p className="eyebrow">{eyebrow}</p>}
        <h1 id="message-title">{title}</h1>
        {children}
      </section>
    </Layout>
  );
}

/** A way on from a message: a link that looks like a button (`secondary`: the quieter look). */
export interface LinkAction {
  href: string;
  label: string;
  secondary?: boolean;
}

/** The row of button-looking links under a message. */
export function LinkActions({ links }: { links: LinkAction[] }) {
  return (
    <div className="actions">
      {links.map((l) => (
        <a key={l.href} className={l.secondary ? 'btn secondary' : 'btn'} href={l.href}>
          {l.label}
        </a>
      ))}
    </div>
  );
}

/** The one button of a page a reader's emailed link opens: it POSTs to `action` (the page's own address),
 * because mail scanners open links and must not act for the reader. `hidden` fields go before the button,
 * `children` (a way out) after it. */
export function PostButton({ action, label, hidden, children }: { action: string; label: string; hidden?: Record<string, string>; children?: ReactNode }) {
  return (
    <form method="post" action={action} className="actions">
      {hidden && Object.entries(hidden).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
      <button className="btn" type="submit">
        {label}
      </button>
      {children}
    </form>
  );
}

/** The ways on most reader pages end with. */
export const BROWSE_ARCHIVE: LinkAction = { href: '/issues', label: 'Browse the archive', secondary: true };
export const SIGNUP_PAGE: LinkAction = { href: '/', label: 'Go to the signup page' };
const BACK_TO_SIGNUP: LinkAction = { href: '/', label: 'Back to the signup page', secondary: true };

/** 404 for pages and archive weeks that do not exist. */
export function NotFoundPage({ site, what }: { site: Site; what?: string }) {
  return (
    <MessagePage site={site} title="Page not found" tone="info">
      <p>{what ?? 'There is no page at this address.'}</p>
      <LinkActions links={[{ ...BROWSE_ARCHIVE, secondary: false }, { ...SIGNUP_PAGE, secondary: true }]} />
    </MessagePage>
  );
}

/** Any other failure: what happened in plain words, never internals, and one way on. */
export function ErrorPage({ site, title, message, action = BACK_TO_SIGNUP }: { site: Site; title: string; message: string; action?: LinkAction }) {
  return (
    <MessagePage site={site} title={title} tone="error" noindex>
      <p>{message}</p>
      <LinkActions links={[action]} />
    </MessagePage>
  );
}

/** Why a reader's signed link (keep, vote) did not work: tampered or cut short, expired, or naming a
 * subscription or comparison that no longer exists. */
export type LinkProblem = 'invalid' | 'expired' | 'gone';

/** The error page of one kind of signed link: its [title, message] for each problem, and one way on. */
export function linkProblemPage(texts: Record<LinkProblem, readonly [title: string, message: string]>, action: LinkAction) {
  return function LinkProblemPage({ site, reason }: { site: Site; reason: LinkProblem }) {
    const [title, message] = texts[reason];
    return <ErrorPage site={site} title={title} message={message} action={action} />;
  };
}
