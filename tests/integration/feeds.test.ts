// The archive as feeds and a sitemap, read as a feed reader and a search engine would: parsed by a
// maintained feed parser (feedsmith), conditional requests answered with 304, and no reader's token anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parseAtomFeed, parseJsonFeed } from 'feedsmith';
import { addReaders, createHarness, type Harness } from '../support/harness.js';
import { readerServer, sendIssue } from '../support/readers.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { planWeek } from '../../src/issues/plan.js';
import type { IssueRow } from '../../src/issues/repo.js';

const BASE = 'https://verdicts.example.org';
let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;
let sent: IssueRow[];

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', env: { SEND_RATE: '50' } });
  workers = startWorkers(h.app, ['render', 'send']);
  web = await readerServer(h);
  await addReaders(h.app, 3);
  sent = [await sendIssue(h, '2026-W20'), await sendIssue(h, '2026-W21')];
  await planWeek(h.app.db, h.app.log, '2026-W22', { pairsPerIssue: 1 }); // planned, never sent
});
afterAll(async () => {
  await web?.close();
  await workers?.close();
  await h?.close();
});

/** No signed token, no unfilled placeholder, no reader's address in what the public can fetch. */
function expectNoReaderData(body: string) {
  expect(body).not.toMatch(/token=/);
  expect(body).not.toMatch(/%%[A-Z_0-9]+%%/);
  expect(body).not.toMatch(/reader\d+@example\.net/);
}

describe('GET /feed.xml', () => {
  it('is an Atom 1.0 feed of the sent issues, newest first, each linking to its archive page', async () => {
    const r = await web.inject({ method: 'GET', url: '/feed.xml' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(r.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    const feed = parseAtomFeed(r.body);
    expect(feed.title?.value).toBe('Weekly AI Tool Verdicts');
    expect(feed.links?.some((l) => l.rel === 'self' && l.href === `${BASE}/feed.xml`)).toBe(true);
    const entries = feed.entries ?? [];
    expect(entries.map((e) => e.links?.[0]?.href)).toEqual([`${BASE}/issues/2026-W21`, `${BASE}/issues/2026-W20`]);
    const [newest] = entries;
    expect(newest!.title?.value).toBe(sent[1]!.subject);
    expect(newest!.summary?.value).toBe(sent[1]!.preheader);
    expect(new Date(newest!.updated!).getTime()).toBe(sent[1]!.sent_at!.getTime());
    // The whole issue as a fragment of HTML: its comparison, no second document inside the entry.
    expect(newest!.content?.type).toBe('html');
    expect(newest!.content?.value).toContain('Reviewer scorecard');
    expect(newest!.content?.value).not.toContain('data-skip-in-text'); // the hidden preview filler
    expect(newest!.content?.value).not.toMatch(/<html|<head|<title/i);
    expectNoReaderData(r.body);
  });

  it('answers 304 to a reader that already has the current feed, and 200 once it has changed', async () => {
    const first = await web.inject({ method: 'GET', url: '/feed.xml' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await web.inject({ method: 'GET', url: '/feed.xml', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const since = await web.inject({ method: 'GET', url: '/feed.xml', headers: { 'if-modified-since': first.headers['last-modified'] as string } });
    expect(since.statusCode).toBe(304);
    const stale = await web.inject({ method: 'GET', url: '/feed.xml', headers: { 'if-none-match': '"something-older"' } });
    expect(stale.statusCode).toBe(200);
    expect(new Date(first.headers['last-modified'] as string).getTime()).toBe(Math.floor(sent[1]!.sent_at!.getTime() / 1000) * 1000);
  });
});

describe('GET /feed.json', () => {
  it('is a JSON Feed 1.1 of the same issues with the same content', async () => {
    const r = await web.inject({ method: 'GET', url: '/feed.json' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    expect(r.headers.etag).toBeTruthy();
    const feed = parseJsonFeed(r.body);
    expect(r.json().version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.feed_url).toBe(`${BASE}/feed.json`);
    expect(feed.authors?.[0]?.name).toBe('Weekly AI Tool Verdicts');
    expect(feed.items?.map((i) => i.url)).toEqual([`${BASE}/issues/2026-W21`, `${BASE}/issues/2026-W20`]);
    expect(feed.items?.[1]?.title).toBe(sent[0]!.subject);
    expect(feed.items?.[1]?.summary).toBe(sent[0]!.preheader);
    expect(feed.items?.[1]?.content_html).toContain('Reviewer scorecard');
    expectNoReaderData(r.body);
  });
});

describe('archive pages for feed readers and link previews', () => {
  it('an archived issue names both feeds and carries Open Graph and Twitter card meta', async () => {
    const r = await web.inject({ method: 'GET', url: '/issues/2026-W20' });
    const head = /<head[^>]*>([\s\S]*?)<\/head>/i.exec(r.body)![1]!;
    expect(head).toContain(`<link rel="alternate" type="application/atom+xml" title="Weekly AI Tool Verdicts (Atom)" href="${BASE}/feed.xml"/>`);
    expect(head).toContain(`type="application/feed+json"`);
    expect(head).toContain(`<meta property="og:url" content="${BASE}/issues/2026-W20"/>`);
    expect(head).toContain(`<meta property="og:type" content="article"/>`);
    expect(head).toContain(`<meta name="twitter:card" content="summary"/>`);
  });

  it('the archive list names both feeds too', async () => {
    const r = await web.inject({ method: 'GET', url: '/issues' });
    expect(r.body).toContain(`href="${BASE}/feed.xml"`);
    expect(r.body).toContain(`<meta property="og:url" content="${BASE}/issues"/>`);
  });

  it('GET /sitemap.xml lists the home page, the archive and each sent issue only', async () => {
    const r = await web.inject({ method: 'GET', url: '/sitemap.xml' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/xml; charset=utf-8');
    const locs = [...r.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    expect(locs).toEqual([`${BASE}/`, `${BASE}/issues`, `${BASE}/issues/2026-W21`, `${BASE}/issues/2026-W20`]);
    expectNoReaderData(r.body);
  });
});
