// A reader in a real browser (Debian Chromium through playwright-core), with JavaScript switched off:
// subscribe through the form (a mistake first), read the confirmation mail from the local provider's
// capture, open the link, see the welcome page; get an issue, vote from it, read it in the archive,
// unsubscribe through the page; and a mailbox provider's one-click POST. Then layout at 375 and
// 1280 px, keyboard focus and contrast. Screenshots go to tests/artifacts/ (git-ignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserContext, type Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from '../support/browser.js';
import { addReaders } from '../support/harness.js';
import { openBrowserSite, type BrowserSite } from '../support/site.js';
import { confirmationTo, lastMailTo, linksIn, sendIssue } from '../support/readers.js';
import { planWeek } from '../../src/issues/plan.js';
import { findIssue } from '../../src/issues/repo.js';
import { WELCOME_SUBJECT } from '../../emails/welcome.js';

const WEEK = '2031-W10';
const NEXT = '2031-W11';
const READER = 'Margaret.Reader@Example.org';

let site: BrowserSite;
let noJs: BrowserContext;

const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: path.join(ARTIFACTS, `readers-${name}.png`), fullPage });
const status = async (email: string) => (await site.h.app.db.query(`SELECT status FROM subscribers WHERE email = $1`, [email])).rows[0]?.status;
const issueMail = (email: string) => lastMailTo(site.h.fake.deliveries.filter((d) => d.tags?.some((t) => t.value === WEEK)), email)!;

async function phonePage(): Promise<Page> {
  const page = await noJs.newPage();
  await page.setViewportSize({ width: 375, height: 812 });
  return page;
}

beforeAll(async () => {
  site = await openBrowserSite({ backend: 'redis', env: { SEND_RATE: '50' }, workers: ['render', 'send'] });
  noJs = await site.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
});
afterAll(() => site?.close());

describe('a reader, without JavaScript', () => {
  it('subscribes through the form, fixing a mistake first, and confirms from the emailed link', async () => {
    const page = await noJs.newPage();
    await page.goto(`${site.base}/`);
    await shot(page, 'home-1280-before-first-issue');
    await page.getByLabel('Email address').fill('margaret.reader@example');
    await page.getByLabel('Name').fill('Margaret');
    const bad = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Subscribe' }).click()]);
    expect(bad[0]?.status()).toBe(422);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Enter a valid email address, like name@example.com.');
    expect(await page.getByLabel('Email address').inputValue()).toBe('margaret.reader@example');
    expect(await page.getByLabel('Name').inputValue()).toBe('Margaret');
    expect(await page.getByLabel('Email address').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'signup-error-1280');

    await page.getByLabel('Email address').fill(READER);
    const ok = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Subscribe' }).click()]);
    expect(ok[0]?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    await shot(page, 'check-inbox-1280');
    expect(await status('margaret.reader@example.org')).toBe('pending');

    // The confirmation email, as the provider received it from the send worker: shown in the browser for
    // a look, then the link.
    const mail = await confirmationTo(site.h, 'margaret.reader@example.org');
    expect(mail.subject).toBe('Confirm your subscription to Weekly AI Tool Verdicts');
    const mailFile = path.join(ARTIFACTS, 'readers-confirmation-email.html');
    writeFileSync(mailFile, mail.html!);
    const mailPage = await phonePage();
    await mailPage.goto(`file://${mailFile}`);
    await shot(mailPage, 'confirmation-email-375');
    await mailPage.close();

    const [link] = linksIn(mail.html!, '/confirm');
    await page.goto(link!);
    // The link shows one button (mail scanners open links); the click confirms.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm your subscription');
    expect(await status('margaret.reader@example.org')).toBe('pending');
    await shot(page, 'confirm-1280');
    await page.getByRole('button', { name: 'Yes, subscribe me' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, you are in');
    await shot(page, 'welcome-1280');
    expect(await status('margaret.reader@example.org')).toBe('active');
    await page.close();

    // The welcome email follows, once, from the send worker: shown in Chromium, its preferences link opens
    // the reader's topics.
    const welcomes = () => site.h.fake.deliveries.filter((d) => d.subject === WELCOME_SUBJECT && String(d.to).toLowerCase().includes('margaret.reader@example.org'));
    await expect.poll(() => welcomes().length, { timeout: 30_000 }).toBe(1);
    const welcome = welcomes()[0]!;
    const welcomePage = await phonePage();
    await welcomePage.setContent(welcome.html!);
    expect(await welcomePage.getByRole('heading', { level: 1 }).first().innerText()).toBe('You are in');
    await shot(welcomePage, 'welcome-email-375');
    const [prefs] = linksIn(welcome.html!, '/preferences');
    await welcomePage.goto(prefs!);
    expect(await welcomePage.getByRole('heading', { level: 1 }).textContent()).toBe('Your topics');
    await welcomePage.close();
  });

  it('votes from the issue email, then reads the issue in the archive', async () => {
    await addReaders(site.h.app, 3);
    await sendIssue(site.h, WEEK);
    const mail = issueMail('margaret.reader@example.org');
    const ship = linksIn(mail.html!, '/vote').find((l) => l.endsWith('choice=ship'))!;

    const page = await phonePage();
    await page.goto(ship);
    const title = await page.getByRole('heading', { level: 1 }).textContent();
    expect(title).toMatch(/^Your verdict on /);
    await shot(page, 'vote-375');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirm: ship it' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thanks, your vote is in');
    await shot(page, 'voted-375');
    const { rows } = await site.h.app.db.query(`SELECT v.choice FROM votes v JOIN subscribers s ON s.id = v.subscriber_id WHERE s.email = 'margaret.reader@example.org'`);
    expect(rows).toEqual([{ choice: 'ship' }]);

    // Changed my mind: one click, still one vote.
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Change my vote to skip it' }).click()]);
    expect((await site.h.app.db.query(`SELECT v.choice FROM votes v JOIN subscribers s ON s.id = v.subscriber_id WHERE s.email = 'margaret.reader@example.org'`)).rows).toEqual([{ choice: 'skip' }]);

    // "Back to the issue" leads to the archive copy: no personal link anywhere in it.
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Back to the issue' }).click()]);
    expect(page.url()).toBe(`${site.base}/issues/${WEEK}`);
    const html = await page.content();
    expect(html).not.toContain('token=');
    expect(await page.getByRole('link', { name: 'Subscribe to vote' }).isVisible()).toBe(true);
    await shot(page, 'archive-issue-375');
    await shot(page, 'archive-issue-top-375', false);
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, 'archive-issue-1280');
    await shot(page, 'archive-issue-top-1280', false);
    await page.goto(`${site.base}/issues`);
    expect(await page.getByRole('link', { name: mail.subject }).isVisible()).toBe(true);
    await shot(page, 'archive-list-1280');
    await page.goto(`${site.base}/`);
    await shot(page, 'home-1280');
    await page.setViewportSize({ width: 375, height: 812 });
    await shot(page, 'home-375');
    await page.close();
  });

  it('chooses topics from the issue footer; the next issue holds only that category, and a reader whose topics are absent gets nothing', async () => {
    // The next week's plan, to know its categories (sendIssue below sends this plan).
    await planWeek(site.h.app.db, site.h.app.log, NEXT, { pairsPerIssue: 2 });
    const next = (await findIssue(site.h.app.db, NEXT))!;
    const { rows: pairs } = await site.h.app.db.query<{ category: string; title: string }>(
      `SELECT c.category, a.name || ' vs ' || b.name AS title FROM comparisons c JOIN tools a ON a.id = c.tool_a_id JOIN tools b ON b.id = c.tool_b_id
       WHERE c.issue_id = $1 ORDER BY c.position`, [next.id]);
    expect(new Set(pairs.map((p) => p.category)).size, 'the next issue spans two categories').toBe(2);
    const chosen = pairs[0]!.category;
    const all = (await site.h.app.db.query<{ category: string }>(`SELECT DISTINCT category FROM tools ORDER BY 1`)).rows.map((r) => r.category);
    const absent = all.find((c) => !pairs.some((p) => p.category === c))!;

    // In the browser, from each reader's own footer link of this week's issue: tick only one category.
    const choose = async (email: string, keep: string, name: string) => {
      const [prefs] = linksIn(issueMail(email).html!, '/preferences');
      const page = await phonePage();
      await page.goto(prefs!);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your topics');
      for (const c of all) if (c !== keep) await page.getByLabel(c, { exact: true }).uncheck();
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save my topics' }).click()]);
      expect(await page.getByRole('status').innerText()).toContain('Saved');
      await shot(page, `preferences-${name}-375`);
      await page.close();
    };
    await choose('margaret.reader@example.org', chosen, 'one-topic');
    await choose('reader1@example.net', absent, 'absent-topic');

    const sent = await sendIssue(site.h, NEXT);
    const mine = lastMailTo(site.h.fake.deliveries.filter((d) => d.tags?.some((t) => t.value === NEXT)), 'margaret.reader@example.org')!;
    // The email as Chromium shows it: only the chosen category's comparisons.
    const page = await phonePage();
    await page.setContent(mine.html!);
    const headings = await page.locator('h2').allInnerTexts();
    expect(headings.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(pairs.filter((p) => p.category === chosen).map((p) => p.title));
    await shot(page, 'issue-one-topic-375');
    await page.close();
    expect(lastMailTo(site.h.fake.deliveries.filter((d) => d.tags?.some((t) => t.value === NEXT)), 'reader1@example.net')).toBeUndefined();
    const { rows } = await site.h.app.db.query(
      `SELECT d.state, d.last_error FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue_id = $1 AND s.email = 'reader1@example.net'`, [sent.id]);
    expect(rows).toEqual([{ state: 'skipped', last_error: 'no-topics-in-issue' }]);
    // The archive keeps the whole issue.
    const archive = await noJs.newPage();
    await archive.goto(`${site.base}/issues/${NEXT}`);
    expect((await archive.locator('h2').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(expect.arrayContaining(pairs.map((p) => p.title)));
    await archive.close();
  });

  it('unsubscribes through the page: the GET shows a button, the button unsubscribes', async () => {
    const mail = issueMail('margaret.reader@example.org');
    const [unsubscribe] = linksIn(mail.html!, '/unsubscribe');
    expect(mail.headers!['List-Unsubscribe']).toBe(`<${unsubscribe}>`);
    const page = await phonePage();
    await page.goto(unsubscribe!);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Unsubscribe from Weekly AI Tool Verdicts?');
    expect(await status('margaret.reader@example.org')).toBe('active');
    await shot(page, 'unsubscribe-375');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You have been unsubscribed');
    await shot(page, 'unsubscribed-375');
    expect(await status('margaret.reader@example.org')).toBe('unsubscribed');
    await page.close();
  });

  it("unsubscribes with a mailbox provider's one-click POST, with no other step", async () => {
    const mail = issueMail('reader0@example.net');
    const url = /^<([^>]+)>$/.exec(mail.headers!['List-Unsubscribe']!)![1]!;
    expect(mail.headers!['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const res = await fetch(url, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(await status('reader0@example.net')).toBe('unsubscribed');
  });

  it('shows a clear page for a broken link, never a stack trace', async () => {
    const page = await phonePage();
    for (const [url, heading] of [
      ['/unsubscribe?token=u.1.2.3', 'This unsubscribe link does not work'],
      ['/confirm?token=broken', 'This confirmation link does not work'],
      ['/vote?token=v.1.1.1.1.x&choice=ship', 'This vote link does not work'],
      ['/issues/2031-W99', 'Page not found'],
    ] as const) {
      await page.goto(`${site.base}${url}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
    }
    await shot(page, 'not-found-375');
    await page.close();
  });
});

describe('layout and accessibility', () => {
  it('fits 375 px and 1280 px without sideways scrolling', async () => {
    const page = await site.browser.newPage();
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const url of ['/', '/issues', `/issues/${WEEK}`, '/confirm?token=x']) {
        await page.goto(`${site.base}${url}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${url} at ${width}px`).toBeLessThanOrEqual(0);
      }
    }
    await page.close();
  });

  it('labels every field, shows keyboard focus, and keeps text contrast at AA or better', async () => {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/`);
    // Keyboard: the first Tab lands on "Skip to content", which becomes visible.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    expect(await page.getByRole('link', { name: 'Skip to content' }).isVisible()).toBe(true);
    await page.getByLabel('Email address').focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineWidth);
    expect(outline).toBe('3px');
    await shot(page, 'focus-1280');

    // Every visible input has a label; the honeypot is out of reach (hidden from assistive tech, not tabbable).
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input')].filter((i) => !i.closest('[aria-hidden="true"]') && !document.querySelector(`label[for="${i.id}"]`)).length,
    );
    expect(unlabelled).toBe(0);
    expect(await page.locator('#website').getAttribute('tabindex')).toBe('-1');

    // WCAG contrast of the text that matters: body, muted, links, the button.
    const ratios = await page.evaluate(() => {
      const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const bg = (el: Element): string => {
        for (let e: Element | null = el; e; e = e.parentElement) {
          const c = getComputedStyle(e).backgroundColor;
          if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
      };
      const ratio = (sel: string) => {
        const el = document.querySelector(sel)!;
        const [a, b] = [lum(getComputedStyle(el).color), lum(bg(el))].sort((x, y) => y - x);
        return Math.round(((a! + 0.05) / (b! + 0.05)) * 10) / 10;
      };
      return { body: ratio('h1'), muted: ratio('.lede'), consent: ratio('.consent'), link: ratio('.sample a'), button: ratio('button.btn'), footer: ratio('.site-footer p') };
    });
    for (const [what, r] of Object.entries(ratios)) expect(r, what).toBeGreaterThanOrEqual(4.5);
    await page.close();
  });
});
