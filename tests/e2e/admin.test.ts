// An editor in a real browser (Debian Chromium through playwright-core): log in, open the week's issue,
// switch to the phone width and to the text version, send a test, approve. Then the same without
// JavaScript, a sent issue's results, and the queue dashboard. Screenshots go to tests/artifacts/.
import { recountIssue } from '../../src/delivery/counts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import path from 'node:path';
import { ARTIFACTS, freePort, launchChromium } from '../support/browser.js';
import { addReaders, type Harness, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { closeAll, openSite, type Site } from '../support/site.js';
import { buildServer } from '../../src/web/server.js';
import { planWeek } from '../../src/issues/plan.js';
import { renderWeek } from '../../src/issues/lifecycle.js';
import { comparisonsOf, findIssue } from '../../src/issues/repo.js';
import { loadConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';

const WEEK = '2030-W22';

let site: Site;
let h: Harness;
let browser: Browser;
let base: string;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `admin-${name}.png`) });
const shotOf = (page: Page, selector: string, name: string) => page.locator(selector).first().screenshot({ path: path.join(ARTIFACTS, `admin-${name}.png`) });

async function logIn(page: Page, next: string, screenshot?: string) {
  // No token yet: the browser gets the login form with the 401 (no basic-auth prompt).
  const res = await page.goto(`${base}${next}`);
  expect(res?.status()).toBe(401);
  await expect.poll(() => page.getByLabel('Admin token').isVisible()).toBe(true);
  if (screenshot) await shot(page, screenshot);
  await page.getByLabel('Admin token').fill(TOKEN);
  const [res2] = await Promise.all([page.waitForResponse((r) => r.url() === `${base}${next}` && r.request().method() === 'GET'), page.getByRole('button', { name: 'Log in' }).click()]);
  expect(res2.status(), 'the page after logging in').toBe(200);
}

beforeAll(async () => {
  ({ h, base } = site = await openSite({ backend: 'postgres', env: { REQUIRE_APPROVAL: 'true' }, listen: true }));
  await addReaders(h.app, 5);
  await planWeek(h.app.db, h.app.log, WEEK, { pairsPerIssue: 2 });
  await renderWeek(h.app.db, h.app.log, WEEK, h.app.config);
  browser = await launchChromium();
});

afterAll(() => closeAll(browser, site));

describe('an editor in the browser', () => {
  it('opens the issue, switches to phone width and the text version, sends a test, approves', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The first answer is the login page with its 401: expected, not an error of the page.
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));

    await logIn(page, '/admin', 'login');
    await expect.poll(() => page.getByRole('link', { name: WEEK }).isVisible()).toBe(true);
    await shot(page, 'list');

    await page.getByRole('link', { name: WEEK }).click();
    await page.waitForURL(`${base}/admin/issues/${WEEK}`);
    const desktop = page.getByTestId('email-frame-desktop');
    await expect.poll(async () => (await desktop.boundingBox())?.width).toBe(680);
    // The frame shows the email itself, grown to its height by the page's script.
    const frame = page.frameLocator('iframe.email');
    await expect.poll(() => frame.getByText('View in browser').isVisible()).toBe(true);
    await expect.poll(async () => (await desktop.boundingBox())!.height).toBeGreaterThan(1000);
    const issue = (await findIssue(h.app.db, WEEK))!;
    const pairs = await comparisonsOf(h.app.db, issue.id);
    expect(await page.getByText(pairs[0]!.reasons[0]!).first().isVisible()).toBe(true);
    expect(await page.getByText(/KB of Gmail’s 102\.0 KB/).isVisible()).toBe(true);
    await shot(page, 'issue-desktop');
    await shotOf(page, 'section[aria-labelledby="pairs-h"]', 'issue-pairs');
    await shotOf(page, 'section[aria-labelledby="links-h"]', 'issue-links');

    await page.getByRole('link', { name: 'Phone (375 px)' }).click();
    const phone = page.getByTestId('email-frame-phone');
    await expect.poll(async () => (await phone.boundingBox())?.width).toBe(375);
    await expect.poll(() => page.frameLocator('iframe.email').getByText('View in browser').isVisible()).toBe(true);
    await shot(page, 'issue-phone');

    await page.getByRole('link', { name: 'Text version' }).click();
    const text = page.getByTestId('text-version');
    await expect.poll(() => text.isVisible()).toBe(true);
    expect(await text.textContent()).toContain('WEEKLY AI TOOL VERDICTS');
    await shot(page, 'issue-text');

    await page.getByLabel('Send a test to').fill('editor@example.org');
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => page.getByText('Test sent').isVisible()).toBe(true);
    expect(h.fake.deliveries.map((d) => d.to)).toEqual([['editor@example.org']]);
    expect(h.fake.deliveries[0]!.subject).toMatch(/^\[TEST\] /);
    const { rows } = await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE issue_id = $1`, [issue.id]);
    expect(rows[0].n).toBe(0);
    await shot(page, 'test-sent');

    await page.getByRole('button', { name: 'Approve for sending' }).click();
    await expect.poll(() => page.getByText('Approved: it goes out at the scheduled slot.').isVisible()).toBe(true);
    expect((await findIssue(h.app.db, WEEK))!.state).toBe('approved');
    expect(await page.locator('h1 .badge').textContent()).toBe('approved');
    await shot(page, 'approved');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works without JavaScript: log in, phone width, a test send, a refused approval with its reasons', async () => {
    const week = '2030-W23';
    await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
    const issue = await renderWeek(h.app.db, h.app.log, week, h.app.config);
    await h.app.db.query(`UPDATE issues SET html = replace(html, ' lang="en"', '') WHERE id = $1`, [issue.id]);
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await logIn(page, `/admin/issues/${week}`);
    await page.getByRole('link', { name: 'Phone (375 px)' }).click();
    await expect.poll(async () => (await page.getByTestId('email-frame-phone').boundingBox())?.width).toBe(375);
    h.fake.reset();
    await page.getByLabel('Send a test to').fill('nojs@example.org');
    await page.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => page.getByText('Test sent').isVisible()).toBe(true);
    expect(h.fake.deliveries.map((d) => d.to)).toEqual([['nojs@example.org']]);
    await page.getByRole('button', { name: 'Approve for sending' }).click();
    await expect.poll(() => page.getByText('Not approved: the email fails the quality gate.').isVisible()).toBe(true);
    expect(await page.getByRole('alert').textContent()).toContain('no lang attribute');
    expect((await findIssue(h.app.db, week))!.state).toBe('rendered');
    await shot(page, 'gate-refused-nojs');
    await context.close();
  });

  it('shows a sent issue’s results with its charts, and follows a send live', async () => {
    const week = '2030-W24';
    await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
    const issue = await renderWeek(h.app.db, h.app.log, week, h.app.config);
    const pairs = await comparisonsOf(h.app.db, issue.id);
    const { rows: subs } = await h.app.db.query<{ id: number }>(`SELECT id FROM subscribers ORDER BY id`);
    const start = new Date(Date.now() - 600_000);
    await h.app.db.query(`UPDATE issues SET state = 'sending', send_started_at = $2, audience_size = $3 WHERE id = $1`, [issue.id, start, subs.length]);
    for (const [i, s] of subs.entries()) {
      await h.app.db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, sent_at, events) VALUES ($1, $2, 0, $3, $4, $5)`, [
        issue.id,
        s.id,
        i < 3 ? 'sent' : 'queued',
        i < 3 ? new Date(start.getTime() + 60_000 * (i + 1)) : null,
        JSON.stringify(i < 3 ? { delivered: { count: 1 }, ...(i < 2 ? { opened: { count: 1 } } : {}), ...(i === 0 ? { clicked: { count: 1 } } : {}) } : {}),
      ]);
    }
    // The rows were written here, not by the ledger's statements that keep the figures: recount them.
    await recountIssue(h.app.db, issue.id);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await logIn(page, `/admin/issues/${week}`);
    const progress = page.locator('[data-progress-url]');
    expect(await progress.locator('[data-field="sent"]').textContent()).toBe('3');
    // The page's script polls: finish the send behind its back and watch the numbers, then the reload.
    await h.app.db.query(`UPDATE deliveries SET state = 'sent', sent_at = now() WHERE issue_id = $1 AND state = 'queued'`, [issue.id]);
    await recountIssue(h.app.db, issue.id);
    await expect.poll(() => progress.locator('[data-field="sent"]').textContent(), { timeout: 10_000 }).toBe(String(subs.length));
    await h.app.db.query(`UPDATE issues SET state = 'sent', sent_at = now() WHERE id = $1`, [issue.id]);
    for (const [i, s] of subs.slice(0, 4).entries()) {
      await h.app.db.query(`INSERT INTO votes (subscriber_id, tool_id, issue_id, choice) VALUES ($1, $2, $3, $4)`, [s.id, pairs[i % pairs.length]!.tool_a_id, issue.id, i % 3 ? 'skip' : 'ship']);
    }
    await h.app.db.query(`INSERT INTO votes (subscriber_id, tool_id, issue_id, choice) VALUES ($1, $2, $3, 'ship')`, [subs[0]!.id, pairs[0]!.tool_b_id, issue.id]);
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 10_000 }).toBe('sent');
    await expect.poll(() => page.getByRole('heading', { name: 'Results' }).isVisible()).toBe(true);
    expect(await page.locator('svg[role="img"]').count()).toBe(2);
    await shotOf(page, 'section[aria-labelledby="results-h"]', 'results');
    await page.close();
  });

  it('opens the queue dashboard behind the same login', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await logIn(page, '/admin/queues');
    await expect.poll(() => page.getByText(`${h.app.queuePrefix}-send`).first().isVisible(), { timeout: 15_000 }).toBe(true);
    // The overview's queue cards come from its API, behind the same login.
    // schedule, render, send and confirm.
    await expect.poll(() => page.getByText(/\d+ Jobs/).count(), { timeout: 15_000 }).toBe(4);
    await shot(page, 'queues');
    await page.close();
  });

  it('shows the outbox (no API key) and a message as the reader sees it', async () => {
    // The same database served by a process without RESEND_API_KEY: mail lands in the outbox.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const { RESEND_API_KEY: _k, RESEND_BASE_URL: _u, ...env } = h.env;
    const app = await openApp(loadConfig({ ...env, PUBLIC_URL: url, PORT: String(port) }), { name: 'e2e-outbox', logger: createLogger('silent', 'e2e') });
    const server = await buildServer(app);
    await server.listen({ port, host: '127.0.0.1' });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const saved = base;
      base = url;
      await logIn(page, `/admin/issues/${WEEK}`);
      base = saved;
      await page.getByLabel('Send a test to').fill('outbox-reader@example.org');
      await page.getByRole('button', { name: 'Send test' }).click();
      await expect.poll(() => page.getByText('Test sent').isVisible()).toBe(true);
      await page.getByRole('link', { name: 'Outbox' }).click();
      const row = page.getByRole('row', { name: /outbox-reader@example\.org/ });
      await expect.poll(() => row.isVisible()).toBe(true);
      expect(await row.textContent()).toContain(WEEK);
      await shot(page, 'outbox');
      await row.getByRole('link').click();
      await expect.poll(() => page.frameLocator('iframe.email').getByText('View in browser').isVisible()).toBe(true);
      expect(await page.getByText('List-Unsubscribe-Post').isVisible()).toBe(true);
      await shot(page, 'outbox-message');
    } finally {
      await page.close();
      await server.close();
      await app.close();
    }
  });
});
