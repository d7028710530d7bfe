// Every admin page on a phone (375 px) in Chromium, with and without JavaScript: no sideways scroll, "Log out"
// inside the screen, tables inside their card, the email frame scaled to fit. And /admin/queues links back to
// the admin and asks no remote server for a font.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Page } from 'playwright-core';
import path from 'node:path';
import { ARTIFACTS } from '../support/browser.js';
import { addReaders, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { openBrowserSite, type BrowserSite } from '../support/site.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { OutboxMailer } from '../../src/delivery/outbox-mailer.js';

const WEEK = '2030-W22';
/** A week whose send started with topic variants (fan-out only: its batches are never sent here). */
const VARIED = '2030-W23';

let site: BrowserSite;
let outboxId: number;

async function signedIn(javaScriptEnabled: boolean): Promise<Page> {
  const context = await site.browser.newContext({ javaScriptEnabled, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${site.base}/admin/login`);
  await page.getByLabel('Admin token').fill(TOKEN);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
  return page;
}

beforeAll(async () => {
  site = await openBrowserSite({ backend: 'postgres' });
  const { h } = site;
  await addReaders(h.app, 3);
  await planWeek(h.app.db, h.app.log, WEEK, { pairsPerIssue: 2 });
  const issue = await renderWeek(h.app.db, h.app.log, WEEK, h.app.config);
  // One message in the outbox, as the outbox mailer stores it.
  await new OutboxMailer(h.app.db).sendBatch(
    [{ from: 'Verdicts <v@example.org>', to: 'reader0@example.net', subject: issue.subject!, html: issue.html!, text: issue.text!, headers: {}, tags: [] }],
    'phone-test-1',
  );
  outboxId = (await h.app.db.query('SELECT id::int FROM outbox LIMIT 1')).rows[0].id;
  await planWeek(h.app.db, h.app.log, VARIED, { pairsPerIssue: 3 });
  const varied = await renderWeek(h.app.db, h.app.log, VARIED, h.app.config);
  await approveWeek(h.app.db, h.app.log, VARIED, 'test');
  const first = (await h.app.db.query('SELECT category FROM comparisons WHERE issue_id = $1 ORDER BY position LIMIT 1', [varied.id])).rows[0].category;
  await h.app.db.query(`UPDATE subscribers SET topics = $1 WHERE email = 'reader1@example.net'`, [[first]]);
  await fanOut(h.app.db, { addBatches: async () => {} }, h.app.log, { week: VARIED, notAfter: null });
});

afterAll(() => site?.close());

const PAGES = () => [
  '/admin',
  `/admin/issues/${WEEK}`,
  `/admin/issues/${WEEK}?view=phone`,
  `/admin/issues/${WEEK}?view=text`,
  `/admin/issues/${VARIED}`,
  '/admin/outbox',
  `/admin/outbox/${outboxId}`,
  '/admin/catalog',
  '/admin/catalog/tools/cursor',
  '/admin/catalog/tools/new',
  '/admin/catalog/reviewers',
  '/admin/catalog/import',
  '/admin/calendar',
];

describe('the admin at 375 px', () => {
  for (const js of [true, false]) {
    it(`has no sideways scroll and keeps "Log out" on screen on every page (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const page = await signedIn(js);
      for (const url of PAGES()) {
        await page.goto(`${site.base}${url}`);
        await page.waitForLoadState('load');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${url}: page width`).toBeLessThanOrEqual(375);
        const logout = await page.getByRole('button', { name: 'Log out' }).boundingBox();
        expect(logout && logout.x + logout.width, `${url}: Log out inside the screen`).toBeLessThanOrEqual(375);
        const variants = page.getByTestId('variants');
        if (url === `/admin/issues/${VARIED}`) {
          // The variants table reflows into one block per variant, every cell on screen.
          expect(await variants.locator('tbody tr').count(), 'variants listed').toBeGreaterThanOrEqual(2);
          const box = (await variants.boundingBox())!;
          expect(box.x + box.width, 'variants table inside the screen').toBeLessThanOrEqual(375);
          expect(await variants.locator('tbody tr').first().innerText()).toMatch(/all/);
        }
        const frame = page.locator('iframe.email');
        if (js && (await frame.count()) > 0) {
          const box = (await frame.boundingBox())!;
          expect(box.x + box.width, `${url}: email frame inside the screen`).toBeLessThanOrEqual(375);
        }
        const name = url.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'admin';
        await page.screenshot({ path: path.join(ARTIFACTS, `phone-${js ? 'js' : 'nojs'}-${name}.png`) });
      }
      await page.context().close();
    });
  }

  it('/admin/queues links back to the admin and loads no remote font', async () => {
    const page = await signedIn(true);
    const remote: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(site.base)) remote.push(r.url());
    });
    await page.goto(`${site.base}/admin/queues`);
    await page.waitForLoadState('networkidle');
    expect(remote).toEqual([]);
    const back = page.getByRole('link', { name: /Verdicts admin|Back to the admin/ });
    expect(await back.first().getAttribute('href')).toBe('/admin');
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-queues.png') });
    await page.context().close();
  });
});
