// The web archive: the list of sent issues, and the bar shown above an archived issue. The issue itself is
// the stored email with every reader link taken out (depersonalise); its vote buttons lead to this bar's
// #vote section, which tells the visitor how to vote and shows the community figures as they stand now.
import { renderToStaticMarkup } from 'react-dom/server';
import { cls, color, font } from '../../../emails/_components/theme.js';
import type { ArchivedIssue, SampleComparison } from '../../issues/archive.js';
import { Layout, NEWSLETTER, type Site } from './layout.js';
import { communityInWords } from './sample.js';

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** Feed links for readers' feed discovery, and the card a link to this page shows where it is shared. */
export function ArchiveHead({ site, title, description, path, type }: { site: Site; title: string; description: string; path: string; type: 'website' | 'article' }) {
  const url = `${site.publicUrl}${path}`;
  return (
    <>
      <link rel="alternate" type="application/atom+xml" title={`${NEWSLETTER} (Atom)`} href={`${site.publicUrl}/feed.xml`} />
      <link rel="alternate" type="application/feed+json" title={`${NEWSLETTER} (JSON Feed)`} href={`${site.publicUrl}/feed.json`} />
      <link rel="canonical" href={url} />
      <meta property="og:site_name" content={NEWSLETTER} />
      <meta property="og:type" content={type} />
      <meta property="og:title" content={title} />
      <meta property="og:description" content={description} />
      <meta property="og:url" content={url} />
      <meta name="twitter:card" content="summary" />
      <meta name="twitter:title" content={title} />
      <meta name="twitter:description" content={description} />
    </>
  );
}

/** ArchiveHead as markup, for the archived issue: the stored email's own <head> gets it. */
export function archiveHeadMarkup(props: Parameters<typeof ArchiveHead>[0]): string {
  return renderToStaticMarkup(<ArchiveHead {...props} />);
}

/** Puts markup at the end of the document's <head> (the email's description meta is its own). */
export function withHead(html: string, markup: string): string {
  const at = html.search(/<\/head>/i);
  return at < 0 ? html : html.slice(0, at) + markup + html.slice(at);
}

const LIST_DESCRIPTION = `Every issue of ${NEWSLETTER} so far.`;

export function ArchiveListPage({ site, issues }: { site: Site; issues: ArchivedIssue[] }) {
  return (
    <Layout
      site={site}
      title="Archive"
      description={LIST_DESCRIPTION}
      head={<ArchiveHead site={site} title={`Archive · ${NEWSLETTER}`} description={LIST_DESCRIPTION} path="/issues" type="website" />}
    >
      <p className="eyebrow">Archive</p>
      <h1>Past issues</h1>
      <p className="lede">Every comparison we have sent, newest first. Community figures in each issue are as they stood on the day it went out.</p>
      {issues.length === 0 ? (
        <p className="card">
          No issue has gone out yet. <a href="/#subscribe">Subscribe</a> to get the first one.
        </p>
      ) : (
        <ol className="issues" reversed>
          {issues.map((i) => (
            <li key={i.week}>
              <a href={`/issues/${i.week}`}>{i.subject}</a>
              <br />
              <span className="muted small">
                {i.weekLabel}
                {i.sentAt ? ` · sent ${dateFormat.format(i.sentAt)}` : ''}
              </span>
            </li>
          ))}
        </ol>
      )}
      <p style={{ marginTop: 32 }}>
        <a className="btn" href="/#subscribe">
          Get the next issue by email
        </a>
      </p>
    </Layout>
  );
}

// Inline styles: the bar sits inside the email's own document and stylesheet, whose dark-mode classes
// (page, text, muted, link) it carries so that it darkens with the email.
const bar = { background: '#ffffff', color: color.ink, borderTop: `4px solid ${color.accent}`, borderBottom: `1px solid ${color.cardBorder}`, fontFamily: font, fontSize: '15px', lineHeight: '22px' };
const inner = { maxWidth: '600px', margin: '0 auto', padding: '14px 16px' };
const strong = { color: color.ink, fontWeight: 700 };
const link = { color: color.accent, fontWeight: 700 };
const line = { margin: '8px 0 0', color: color.muted };
const list = { margin: '4px 0 0', padding: '0 0 0 18px', color: color.muted, fontSize: '14px' };

/** The archive bar above an issue: where you are, how to vote, and the community figures now. */
export function archiveBanner(weekLabel: string, comparisons: SampleComparison[]): string {
  const tools = comparisons.flatMap((c) => [c.a, c.b]);
  return renderToStaticMarkup(
    <div className={cls.page} style={bar}>
      <div style={inner}>
        <a href="/issues" className={cls.link} style={link}>
          ← All issues
        </a>
        <span className={cls.muted} style={{ color: color.muted }}>{` · ${NEWSLETTER}, ${weekLabel}`}</span>
        <p id="vote" className={cls.muted} style={line}>
          {'Readers vote ship or skip in their own copy of the email. '}
          <a href="/#subscribe" className={cls.link} style={link}>
            Subscribe to vote
          </a>
        </p>
        {tools.length > 0 && (
          <>
            <p className={cls.muted} style={line}>
              <span className={cls.text} style={strong}>
                Community ship now
              </span>
            </p>
            <ul className={cls.muted} style={list}>
              {tools.map((t) => {
                const c = communityInWords(t.community);
                return <li key={t.id}>{`${t.name}: ${c.figure} (${c.detail})`}</li>;
              })}
            </ul>
          </>
        )}
      </div>
    </div>,
  );
}

/** Puts the bar right after the email's opening <body> tag. */
export function withBanner(html: string, banner: string): string {
  const body = /<body[^>]*>/i.exec(html);
  if (!body) return banner + html;
  const at = body.index + body[0].length;
  return html.slice(0, at) + banner + html.slice(at);
}
