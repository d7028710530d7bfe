// An editor keeps the catalog fed in a real browser with JavaScript off: the runway is short and every admin
// page says so; they add a tool (a refused first try keeps what they typed), give it four reviews through
// the form (one refused for a quote too long), and the runway grows. Screenshots at 1280 and 375 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import path from 'node:path';
import { ARTIFACTS, launchChromium } from '../support/browser.js';
import { type Harness, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { closeAll, openSite, type Site } from '../support/site.js';
import { planWeek } from '../../src/issues/plan.js';
import { isoWeekOf } from '../../src/issues/week.js';
import { nextWeek } from '../../src/catalog/runway.js';

let site: Site;
let h: Harness;
let browser: Browser;
let noJs: BrowserContext;
let base: string;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `catalog-${name}.png`), fullPage: true });
const toolCount = async () => (await h.app.db.query('SELECT count(*)::int AS n FROM tools')).rows[0].n as number;
const runwayOnPage = async (page: Page) => Number(await page.locator('#runway-h + p b.big').textContent());
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Submits the form the button belongs to and waits for the page that comes back. */
async function submit(page: Page, button: string) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
}

beforeAll(async () => {
  ({ h, base } = site = await openSite({ backend: 'postgres', listen: true }));
  // Thirteen weeks planned from this week on: the sample catalog (15 weeks) has two left.
  let week = isoWeekOf(new Date());
  for (let i = 0; i < 13; i++, week = nextWeek(week)) await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
  browser = await launchChromium();
  noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
});

afterAll(() => closeAll(noJs, browser, site));

describe('the catalog in the admin, without JavaScript', () => {
  it('adds a tool and four reviews through the forms, and the runway grows', async () => {
    const page = await noJs.newPage();
    await page.goto(`${base}/admin/catalog`);
    await page.getByLabel('Admin token').fill(TOKEN);
    await submit(page, 'Log in');
    expect(page.url()).toBe(`${base}/admin/catalog`);
    expect(await runwayOnPage(page)).toBe(2);
    await expect.poll(() => page.locator('.runway-banner').textContent()).toContain('can fill 2 more weekly issues');
    // The banner is on every admin page, not only the catalog.
    await page.goto(`${base}/admin/outbox`);
    expect(await page.locator('.runway-banner').isVisible()).toBe(true);
    await page.goto(`${base}/admin/catalog?category=Developer+Tools`);
    expect(await page.locator('table tbody tr').count()).toBe(5);
    await page.goto(`${base}/admin/catalog`);
    await shot(page, 'list-1280');

    // A first try with a duplicate slug, a blank name and a javascript: address: refused field by field.
    await page.getByRole('link', { name: 'Add a tool' }).click();
    const before = await toolCount();
    await page.getByLabel('Slug').fill('cursor');
    await page.getByLabel('Name').fill('   ');
    await page.getByLabel('Category').fill('Developer Tools');
    await page.getByLabel('Tagline').fill('Pair-programs in the terminal.');
    await page.getByLabel('Description').fill('An agent that edits your repository from a chat.');
    await page.getByLabel('Pricing').fill('Open source');
    await page.getByLabel('Website').fill('javascript:alert(1)');
    await submit(page, 'Add tool');
    const described = async (label: string) => page.locator(`#${await page.getByLabel(label).getAttribute('aria-describedby').then((ids) => ids!.split(' ')[0])}`).textContent();
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await described('Name')).toBe('expected a non-empty string');
    expect(await described('Slug')).toBe('"cursor" is already used by Cursor');
    expect(await described('Website')).toBe('expected an absolute http(s) URL');
    expect(await page.getByLabel('Tagline').inputValue()).toBe('Pair-programs in the terminal.');
    expect(await page.getByLabel('Description').inputValue()).toBe('An agent that edits your repository from a chat.');
    expect(await toolCount()).toBe(before);
    await shot(page, 'tool-refused-1280');

    await page.getByLabel('Slug').fill('open-pilot');
    await page.getByLabel('Name').fill('Open Pilot');
    await page.getByLabel('Website').fill('https://open-pilot.example.org');
    await submit(page, 'Add tool');
    expect(page.url()).toBe(`${base}/admin/catalog/tools/open-pilot?done=created`);
    expect(await page.locator('#eligibility').textContent()).toBe('Needs 4 more reviews before the planner pairs it (at least 4).');

    // A quote over the limit: the message at the quote, the quote kept, no review stored.
    await page.getByLabel('Reviewer', { exact: true }).selectOption('priya-raman');
    await page.getByLabel('Verdict').selectOption('ship');
    await page.getByLabel('Quote').fill('x'.repeat(1201));
    await submit(page, 'Save review');
    expect(await described('Quote')).toBe('longer than 1200 characters');
    expect(await page.getByLabel('Quote').inputValue()).toHaveLength(1201);
    expect(await page.getByLabel('Reviewer', { exact: true }).inputValue()).toBe('priya-raman');
    expect((await h.app.db.query(`SELECT count(*)::int AS n FROM reviews r JOIN tools t ON t.id = r.tool_id WHERE t.slug = 'open-pilot'`)).rows[0].n).toBe(0);

    const reviewers = ['priya-raman', 'walter-okafor', 'dana-whitfield', 'tomas-lindqvist'];
    for (const [i, reviewer] of reviewers.entries()) {
      await page.getByLabel('Reviewer', { exact: true }).selectOption(reviewer);
      await page.getByLabel('Verdict').selectOption(i === 3 ? 'skip' : 'ship');
      await page.getByLabel('Quote').fill(`Review ${i + 1}: it did what it said on a real repository.`);
      await submit(page, 'Save review');
      expect(page.url()).toContain('done=review');
    }
    expect(await page.locator('#eligibility').textContent()).toBe('Eligible: 4 reviews, panel 75% ship.');
    const audit = await page.locator('ul.audit li').allTextContents();
    expect(audit).toHaveLength(5);
    expect(audit.at(-1)).toMatch(/UTC · editor · tool created/);
    expect(audit.filter((a) => /editor · review added/.test(a))).toHaveLength(4);
    await shot(page, 'tool-1280');

    await page.getByRole('link', { name: '← Catalog' }).click();
    expect(await runwayOnPage(page)).toBe(5); // two weeks before, five new pairs with Open Pilot
    expect(await page.locator('.runway-banner').count()).toBe(0);

    // The same pages on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [url, name] of [
      ['/admin/catalog', 'list-375'],
      ['/admin/catalog/tools/open-pilot', 'tool-375'],
      ['/admin/catalog/reviewers', 'reviewers-375'],
      ['/admin/catalog/tools/new', 'new-375'],
      ['/admin/calendar', 'calendar-375'],
    ] as const) {
      await page.goto(`${base}${url}`);
      expect(await pageWidth(page), url).toBeLessThanOrEqual(375);
      expect(await page.getByRole('button', { name: 'Log out' }).isVisible(), url).toBe(true);
      await shot(page, name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/admin/catalog/reviewers`);
    await shot(page, 'reviewers-1280');
    await page.goto(`${base}/admin/calendar`);
    await shot(page, 'calendar-1280');
  });
  it('uploads a catalog file through the file input: problems first, then the changes, then applied', async () => {
    const page = await noJs.newPage(); // signed in by the test above (same context)
    await page.goto(`${base}/admin/catalog`);
    await page.getByRole('link', { name: 'Upload a catalog file' }).click();
    expect(await page.locator('#catalog-file').getAttribute('accept')).toContain('application/json');
    await shot(page, 'import-1280');

    const file = (name: string, content: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
    await page.locator('#catalog-file').setInputFiles(file('bad.json', JSON.stringify({ tools: [{ slug: 'Bad Slug', name: '' }] })));
    await submit(page, 'Check the file');
    const problems = await page.locator('.flash.error li').allTextContents();
    expect(problems).toContain('tools[0].slug: expected a slug of lower-case letters, digits and single dashes, like "claw-code"');
    expect(problems.some((p) => p.startsWith('tools[0].name:'))).toBe(true);
    expect(problems.length).toBeGreaterThanOrEqual(5); // every missing field too, each with its path
    await shot(page, 'import-refused-1280');

    const good = { tools: [{ slug: 'file-pilot', name: 'File Pilot', category: 'Developer Tools', tagline: 'Came in a file.', description: 'Uploaded through the admin.', pricing: 'Free', url: 'https://file-pilot.example.org' }] };
    await page.locator('#catalog-file').setInputFiles(file('new-tools.json', JSON.stringify(good)));
    await submit(page, 'Check the file');
    expect(await page.locator('#diff-h').textContent()).toBe('What new-tools.json changes');
    expect(await page.locator('ul.diff li').first().textContent()).toBe('tools: 1 added (file-pilot), 0 unchanged');
    expect(await toolCount()).toBe(18);
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(375);
    await shot(page, 'import-diff-375');
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, 'import-diff-1280');
    await submit(page, 'Apply these changes');
    expect(page.url()).toBe(`${base}/admin/catalog?done=imported`);
    expect(await toolCount()).toBe(19);
  });
});
