// The frame of every admin page, the CSRF-carrying form, and small shared bits (state badge, dates).
import { createContext, useContext, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { IssueState } from '../../issues/repo.js';

/** The CSRF token of the current response, put into every form by <PostForm>. */
export const CsrfContext = createContext<string>('');

export type Section = 'issues' | 'catalog' | 'calendar' | 'outbox' | 'queues' | null;

/** The warning shown on top of every admin page while the catalog's runway is short (set per response). */
export const BannerContext = createContext<string | null>(null);

export interface LayoutProps {
  title: string;
  section: Section;
  csrf: string;
  /** Reload the page every N seconds when the browser runs no script (the script polls instead). */
  refreshSeconds?: number;
  /** False on the login page: no navigation for anonymous visitors. */
  signedIn?: boolean;
  children: ReactNode;
}

export function Layout({ title, section, csrf, refreshSeconds, signedIn = true, children }: LayoutProps) {
  const banner = useContext(BannerContext);
  const link = (s: Exclude<Section, null>, href: string, label: string) => (
    <a href={href} aria-current={section === s ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · Verdicts admin`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/admin/assets/admin.css" />
        <script src="/admin/assets/admin.js" defer></script>
        {refreshSeconds ? (
          <noscript>
            <meta httpEquiv="refresh" content={String(refreshSeconds)} />
          </noscript>
        ) : null}
      </head>
      <body>
        <CsrfContext.Provider value={csrf}>
          <header className="top">
            <a className="brand" href="/admin">
              Verdicts admin
            </a>
            {signedIn ? (
              <>
                <nav aria-label="Admin sections">
                  {link('issues', '/admin', 'Issues')}
                  {link('catalog', '/admin/catalog', 'Catalog')}
                  {link('calendar', '/admin/calendar', 'Calendar')}
                  {link('outbox', '/admin/outbox', 'Outbox')}
                  {link('queues', '/admin/queues', 'Queues')}
                </nav>
                <PostForm action="/admin/logout">
                  <button type="submit">Log out</button>
                </PostForm>
              </>
            ) : null}
          </header>
          <main>
            {banner && signedIn ? (
              <div className="flash error runway-banner" role="alert">
                {banner} <a href="/admin/catalog">Open the catalog</a>
              </div>
            ) : null}
            {children}
          </main>
        </CsrfContext.Provider>
      </body>
    </html>
  );
}

/** A POST form with the CSRF token: every admin action is one of these. */
export function PostForm({ action, className, children, label, encType }: { action: string; className?: string; children: ReactNode; label?: string; encType?: 'multipart/form-data' }) {
  const csrf = useContext(CsrfContext);
  return (
    <form method="post" action={action} className={className} aria-label={label} encType={encType}>
      <input type="hidden" name="_csrf" value={csrf} />
      {children}
    </form>
  );
}

export function StateBadge({ state }: { state: IssueState | string }) {
  return <span className={`badge ${state}`}>{state}</span>;
}

export function Flash({ kind, title, items }: { kind: 'ok' | 'error'; title: string; items?: string[] }) {
  return (
    <div className={`flash ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {title}
      {items?.length ? (
        <ul>
          {items.map((i) => (
            <li key={i}>{i}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** "21 Nov 2026, 09:00 UTC" in a <time> element. */
export function When({ at }: { at: Date | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  return <time dateTime={at.toISOString()}>{`${DATE.format(at)} UTC`}</time>;
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const pct = (n: number, of: number) => (of > 0 ? `${Math.round((100 * n) / of)}%` : '—');

/** The page as a complete HTML document. */
export function documentHtml(page: ReactNode): string {
  return '<!doctype html>' + renderToStaticMarkup(page);
}
