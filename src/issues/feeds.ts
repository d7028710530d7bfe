// The archive as feeds (Atom 1.0, JSON Feed 1.1) and a sitemap. Each entry carries the issue as sent, with
// every reader link taken out (depersonalise), so no token can reach a feed reader or a search engine.
import { createHash } from 'node:crypto';
import { Feed } from 'feed';
import type { Queryable } from '../db/pool.js';
import { depersonalise } from '../delivery/personalize.js';
import { isoWeekLabel } from './week.js';
import { PUBLISHED_STATES, sqlStates } from './lifecycle.js';

const NEWSLETTER = 'Weekly AI Tool Verdicts';
const DESCRIPTION = 'Two comparable AI tools, side by side, once a week: what they cost, what reviewers found, and what readers vote.';
/** Feed readers poll; a year of issues is plenty and keeps the response small. */
export const FEED_ENTRIES = 52;

const sql = String.raw;
const SENT = `state IN ${sqlStates(PUBLISHED_STATES)} AND html IS NOT NULL`;
const Q = {
  entries: sql`SELECT week, subject, preheader, html, coalesce(sent_at, send_started_at) AS sent_at
               FROM issues WHERE ${SENT} ORDER BY week DESC LIMIT $1`,
  weeks: sql`SELECT week, coalesce(sent_at, send_started_at) AS sent_at FROM issues WHERE ${SENT} ORDER BY week DESC`,
};

interface EntryRow {
  week: string;
  subject: string | null;
  preheader: string | null;
  html: string;
  sent_at: Date;
}

/** What a feed or sitemap response needs besides its body: validators for conditional requests. */
export interface Published {
  body: string;
  etag: string;
  lastModified: Date;
}

// react-email's hidden preview text with its filler characters: feed readers drop inline display:none, and
// the entry's summary already carries the same words.
const PREVIEW_TEXT = /<div[^>]*data-skip-in-text="true"[^>]*>[^<]*(?:<div>[^<]*<\/div>)?<\/div>/;

/** The inside of the email's <body>: a feed entry's content is a fragment, not a second document. */
export function bodyOf(html: string): string {
  const open = /<body[^>]*>/i.exec(html);
  const close = html.search(/<\/body>/i);
  if (!open || close < 0) return html;
  return html.slice(open.index + open[0].length, close).replace(PREVIEW_TEXT, '').trim();
}

function published(body: string, newest: Date | undefined): Published {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  // Before the first issue: the Unix epoch, so a client's If-Modified-Since never matches wrongly.
  return { body, etag, lastModified: newest ?? new Date(0) };
}

async function buildFeed(db: Queryable, publicUrl: string): Promise<{ feed: Feed; newest: Date | undefined }> {
  const rows = (await db.query<EntryRow>(Q.entries, [FEED_ENTRIES])).rows;
  const newest = rows.map((r) => r.sent_at).sort((a, b) => b.getTime() - a.getTime())[0];
  const feed = new Feed({
    id: `${publicUrl}/issues`,
    title: NEWSLETTER,
    description: DESCRIPTION,
    link: `${publicUrl}/issues`,
    language: 'en',
    updated: newest ?? new Date(0),
    generator: NEWSLETTER,
    copyright: `${NEWSLETTER}`,
    feedLinks: { atom: `${publicUrl}/feed.xml`, json: `${publicUrl}/feed.json` },
    author: { name: NEWSLETTER, link: publicUrl },
  });
  for (const r of rows) {
    const link = `${publicUrl}/issues/${r.week}`;
    feed.addItem({
      id: link,
      link,
      title: r.subject ?? `${NEWSLETTER}, ${isoWeekLabel(r.week)}`,
      date: r.sent_at,
      published: r.sent_at,
      description: r.preheader ?? undefined,
      content: bodyOf(depersonalise(r.html, publicUrl, r.week)),
    });
  }
  return { feed, newest };
}

export async function atomFeed(db: Queryable, publicUrl: string): Promise<Published> {
  const { feed, newest } = await buildFeed(db, publicUrl);
  return published(feed.atom1(), newest);
}

/**
 * JSON Feed 1.1. The feed package writes version 1, whose single `author` 1.1 replaced with `authors`;
 * everything else it writes is the same in 1.1, so the version, `authors` and `language` are set here.
 */
export async function jsonFeed(db: Queryable, publicUrl: string): Promise<Published> {
  const { feed, newest } = await buildFeed(db, publicUrl);
  const { version: _v1, author, title, ...rest } = JSON.parse(feed.json1()) as Record<string, unknown>;
  const v11 = { version: 'https://jsonfeed.org/version/1.1', title, ...rest, language: 'en', authors: author ? [author] : undefined };
  return published(JSON.stringify(v11, null, 2), newest);
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The public pages a search engine may index: home, archive list, and every sent issue. */
export async function sitemap(db: Queryable, publicUrl: string): Promise<Published> {
  const rows = (await db.query<{ week: string; sent_at: Date }>(Q.weeks)).rows;
  const url = (loc: string, lastmod?: Date) =>
    `<url><loc>${xmlEscape(loc)}</loc>${lastmod ? `<lastmod>${lastmod.toISOString()}</lastmod>` : ''}</url>`;
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    url(`${publicUrl}/`),
    url(`${publicUrl}/issues`, rows[0]?.sent_at),
    ...rows.map((r) => url(`${publicUrl}/issues/${r.week}`, r.sent_at)),
    '</urlset>',
    '',
  ].join('\n');
  return published(body, rows[0]?.sent_at);
}
