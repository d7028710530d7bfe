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

/** 404 for pages and archive weeks that do not exist. */
export function NotFoundPage({ site, what }: { site: Site; what?: string }) {
  return (
    <MessagePage site={site} title="Page not found" tone="info">
      <p>{what ?? 'There is no page at this address.'}</p>
      <div className="actions">
        <a className="btn" href="/issues">
          Browse the archive
        </a>
        <a className="btn secondary" href="/">
          Go to the signup page
        </a>
      </div>
    </MessagePage>
  );
}

/** Any other failure: what happened in plain words, never internals. */
export function ErrorPage({ site, title, message }: { site: Site; title: string; message: string }) {
  return (
    <MessagePage site={site} title={title} tone="error" noindex>
      <p>{message}</p>
      <div className="actions">
        <a className="btn secondary" href="/">
          Back to the signup page
        </a>
      </div>
    </MessagePage>
  );
}
