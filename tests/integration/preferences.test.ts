// A reader's topics, from the link in an issue's footer: the form in Chromium with JavaScript off at 375 px,
// bad input refused with nothing stored, broken links answered 400/410, and after unsubscribing the offer
// to come back with fewer topics (only with a click).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { addReaders, createHarness, type Harness } from '../support/harness.js';
import { FORM, heading, lastMailTo, linksIn, pathOf, readerServer, sendIssue } from '../support/readers.js';
import { ARTIFACTS, freePort, launchChromium } from '../support/browser.js';
import { closeAll } from '../support/site.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { listCategories } from '../../src/subscribers/preferences.js';

let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;
let readers: number[];
let browser: Browser;
let base: string;
let categories: string[];

const prefsUrl = (i: number) => linksIn(lastMailTo(h.fake.deliveries, `reader${i}@example.net`)!.html!, '/preferences')[0]!;
const row = async (id: number) => (await h.app.db.query(`SELECT status, topics, updated_at FROM subscribers WHERE id = $1`, [id])).rows[0];
const post = (url: string, topics: string[], extra = '') =>
  web.inject({ method: 'POST', url, headers: FORM, payload: topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&') + extra });

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', env: { SEND_RATE: '50' } });
  workers = startWorkers(h.app, ['render', 'send']);
  web = await readerServer(h);
  readers = await addReaders(h.app, 4);
  await sendIssue(h, '2026-W20');
  categories = await listCategories(h.app.db);
  const port = await freePort();
  await web.listen({ port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});
afterAll(() => closeAll(browser, web, workers, h));

describe('the preferences link in every issue', () => {
  it('is in the footer and the text part, signed for that reader; the archive copy has none', async () => {
    const mail = lastMailTo(h.fake.deliveries, 'reader1@example.net')!;
    const url = prefsUrl(1);
    expect(url).toMatch(/^https:\/\/verdicts\.example\.org\/preferences\?token=p\.\d+\./);
    expect(mail.text).toContain(url);
    expect(prefsUrl(2)).not.toBe(url);
    const archive = await web.inject({ method: 'GET', url: '/issues/2026-W20' });
    expect(archive.body).not.toMatch(/preferences\?token/);
  });

  it('shows one labelled checkbox per category, all ticked by default, and saves a choice without JavaScript at 375 px', async () => {
    expect(categories.length).toBeGreaterThan(2);
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    try {
      const page = await ctx.newPage();
      await page.goto(base + pathOf(prefsUrl(0)));
      expect(await page.locator('h1').innerText()).toBe('Your topics');
      const boxes = page.getByRole('checkbox');
      expect(await boxes.count()).toBe(categories.length);
      for (const c of categories) expect(await page.getByLabel(c, { exact: true }).isChecked()).toBe(true);
      // Nothing sticks out sideways on a small phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await page.screenshot({ path: path.join(ARTIFACTS, 'preferences-375.png'), fullPage: true });
      for (const c of categories.slice(1)) await page.getByLabel(c, { exact: true }).uncheck();
      await page.getByRole('button', { name: 'Save my topics' }).click();
      await page.waitForLoadState();
      expect(await page.getByRole('status').innerText()).toContain('Saved');
      expect(await page.getByLabel(categories[0]!, { exact: true }).isChecked()).toBe(true);
      expect(await page.getByLabel(categories[1]!, { exact: true }).isChecked()).toBe(false);
      await page.screenshot({ path: path.join(ARTIFACTS, 'preferences-saved-375.png'), fullPage: true });
    } finally {
      await ctx.close();
    }
    expect((await row(readers[0]!)).topics).toEqual([categories[0]]);
    // Ticking every box again means "everything", including categories added later.
    expect((await post(pathOf(prefsUrl(0)), categories)).statusCode).toBe(200);
    expect((await row(readers[0]!)).topics).toBeNull();
  });

  it('an unknown category, or none, shows the form again with the reason, and nothing is stored', async () => {
    const url = pathOf(prefsUrl(1));
    await post(url, [categories[0]!]);
    const before = await row(readers[1]!);
    const unknown = await post(url, [categories[1]!, 'Crypto Casinos']);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('“Crypto Casinos” is not one of our topics');
    expect(unknown.body).toContain('type="checkbox"');
    const none = await post(url, []);
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose at least one topic');
    expect(await row(readers[1]!)).toEqual(before);
  });

  it('answers a tampered link with 400 and an expired one with 410, as the other links do', async () => {
    const url = pathOf(prefsUrl(2));
    const tampered = url.replace(/p\.(\d+)\./, (_m, id) => `p.${Number(id) + 1}.`);
    for (const method of ['GET', 'POST'] as const) {
      const r = await web.inject({ method, url: tampered, headers: FORM, payload: `topic=${encodeURIComponent(categories[0]!)}` });
      expect(r.statusCode).toBe(400);
      expect(heading(r.body)).toBe('This preferences link does not work');
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect((await web.inject({ method: 'GET', url: '/preferences' })).statusCode).toBe(400);
    const expired = signToken(h.config.tokenSecret, { purpose: 'preferences', subscriberId: readers[2]!, issueId: 0, toolId: 0, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const r = await web.inject({ method: 'POST', url: `/preferences?token=${expired}`, headers: FORM, payload: `topic=${encodeURIComponent(categories[0]!)}` });
    expect(r.statusCode).toBe(410);
    expect(heading(r.body)).toBe('This preferences link has expired');
    // An unsubscribe token is not a preferences token.
    const unsub = signToken(h.config.tokenSecret, { purpose: 'unsubscribe', subscriberId: readers[2]!, issueId: 0, toolId: 0, expiresAt: 2_000_000_000 });
    expect((await web.inject({ method: 'GET', url: `/preferences?token=${unsub}` })).statusCode).toBe(400);
    expect((await row(readers[2]!)).topics).toBeNull();
  });
});

describe('after unsubscribing', () => {
  it('offers fewer topics instead; the reader stays unsubscribed unless they press the button', async () => {
    const mail = lastMailTo(h.fake.deliveries, 'reader3@example.net')!;
    const unsubscribe = pathOf(/^<([^>]+)>$/.exec(mail.headers!['List-Unsubscribe']!)![1]!);
    const done = await web.inject({ method: 'POST', url: unsubscribe, headers: FORM, payload: '' });
    expect(heading(done.body)).toBe('You have been unsubscribed');
    const offer = /href="(\/preferences\?token=[^"]+)">choose fewer topics and come back/.exec(done.body)?.[1];
    expect(offer).toBeDefined();
    expect((await row(readers[3]!)).status).toBe('unsubscribed');
    // Following the offer shows the form and changes nothing.
    const page = await web.inject({ method: 'GET', url: offer!.replace(/&amp;/g, '&') });
    expect(heading(page.body)).toBe('Come back with fewer topics?');
    expect(page.body).toContain('No thanks, stay unsubscribed');
    expect((await row(readers[3]!)).status).toBe('unsubscribed');
    // The button: back, with one topic.
    const back = await post(offer!, [categories[0]!], '&resubscribe=yes');
    expect(back.statusCode).toBe(200);
    expect(await row(readers[3]!)).toMatchObject({ status: 'active', topics: [categories[0]] });
  });
});
