// Every email as a reader's client shows it, and every page that shows one, opened in Chromium at 600 px,
// at 375 px and in dark mode: one <title>, the masthead as the first visible text (the archive's bar
// above it is the page's own), no sideways scroll on a phone, and axe-core (injected from the axe-core
// package) finds no serious or critical violation, colour contrast in dark mode included. Screenshots go
// to tests/artifacts/emails-*.png (git-ignored): the whole page, and its first screen as *-top.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ARTIFACTS, launchChromium } from '../support/browser.js';
import { addReaders, type Harness } from '../support/harness.js';
import { closeAll, openSite, type Site } from '../support/site.js';
import { confirmationTo, lastMailTo, sendIssue } from '../support/readers.js';
import { planWeek } from '../../src/issues/plan.js';
import { sendTestEmail } from '../../src/issues/test-send.js';
import { OutboxMailer } from '../../src/delivery/outbox-mailer.js';
import { previewCommand } from '../../src/cli/preview-command.js';
import { createElement } from 'react';
import { render } from '@react-email/render';
import { Welcome } from '../../emails/welcome.js';
import { StillInterested } from '../../emails/still-interested.js';

const WEEK = '2031-W20';
const NEXT_WEEK = '2031-W21';
const MASTHEAD = 'Weekly AI Tool Verdicts';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let site: Site;
let h: Harness;
let browser: Browser;
let base: string;

/** Where each email is seen: a file written from the captured message, or a page of the web process. */
type Shown = { name: string; file?: string; url?: string; admin?: boolean; banner?: boolean };
const shown: Shown[] = [];

function saveMail(name: string, html: string): void {
  const file = path.join(ARTIFACTS, `emails-${name}.html`);
  writeFileSync(file, html);
  shown.push({ name, file });
}

beforeAll(async () => {
  ({ h, base } = site = await openSite({ backend: 'redis', env: { SEND_RATE: '50' }, workers: ['render', 'send'], listen: true }));
  browser = await launchChromium();

  // The emails as the provider received them: the issue, a confirmation, a test send.
  await addReaders(h.app, 2);
  await sendIssue(h, WEEK);
  saveMail('issue', lastMailTo(h.fake.deliveries, 'reader0@example.net')!.html!);
  const signup = await fetch(`${base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'new.reader@example.org' }) });
  expect(signup.status).toBe(200);
  saveMail('confirmation', (await confirmationTo(h, 'new.reader@example.org')).html!);
  const deps = { db: h.app.db, mailer: h.app.mailer, gate: h.app.sendGate, sendRate: h.config.sendRate, log: h.app.log, emailFrom: h.config.emailFrom, publicUrl: h.config.publicUrl, tokenSecret: h.config.tokenSecret };
  await sendTestEmail(deps, WEEK, 'editor@example.org', 'e2e');
  saveMail('test-send', lastMailTo(h.fake.deliveries, 'editor@example.org')!.html!);

  // The pages that show one: the archive, the admin's preview frame (desktop and phone), the outbox copy.
  shown.push({ name: 'archive', url: `/issues/${WEEK}`, banner: true });
  shown.push({ name: 'admin-preview', url: `/admin/issues/${WEEK}/email.html`, admin: true });
  await sendTestEmail({ ...deps, mailer: new OutboxMailer(h.app.db) }, WEEK, 'outbox-editor@example.org', 'e2e');
  const { rows } = await h.app.db.query<{ id: number }>(`SELECT id FROM outbox WHERE to_address = 'outbox-editor@example.org'`);
  shown.push({ name: 'outbox', url: `/admin/outbox/${rows[0]!.id}/html`, admin: true });

  // `verdicts preview` of a week not sent yet (rendered afresh from the database).
  await planWeek(h.app.db, h.app.log, NEXT_WEEK, { pairsPerIssue: 2 });
  await previewCommand(h.app, NEXT_WEEK, {});
  shown.push({ name: 'verdicts-preview', file: path.resolve(h.config.dataDir, 'previews', `${NEXT_WEEK}.html`) });

  // The welcome and the "still want this?" email, as their templates render them with their PreviewProps.
  saveMail('welcome', await render(createElement(Welcome, Welcome.PreviewProps)));
  saveMail('still-interested', await render(createElement(StillInterested, StillInterested.PreviewProps)));
}, 120_000);

afterAll(() => closeAll(browser, site));

// The page colour of every email, light and dark (emails/_components/theme.ts): one newsletter's look.
const VIEWS = [
  { view: '600', width: 600, colorScheme: 'light', page: 'rgb(238, 241, 245)' },
  { view: '375', width: 375, colorScheme: 'light', page: 'rgb(238, 241, 245)' },
  { view: 'dark-375', width: 375, colorScheme: 'dark', page: 'rgb(11, 17, 32)' },
] as const;

async function open(s: Shown, v: (typeof VIEWS)[number]): Promise<Page> {
  // bypassCSP: the admin frames forbid scripts, and axe is one.
  const context = await browser.newContext({
    viewport: { width: v.width, height: 900 },
    colorScheme: v.colorScheme,
    bypassCSP: true,
    extraHTTPHeaders: s.admin ? { authorization: `Bearer ${h.config.adminToken}` } : {},
  });
  const page = await context.newPage();
  const res = await page.goto(s.file ? `file://${s.file}` : `${base}${s.url}`);
  expect(res?.ok() ?? true, `${s.name} loads`).toBe(true);
  return page;
}

/** What Chromium made of the document: its titles, the text above the masthead, the sideways overflow. */
async function looks(page: Page, banner: boolean) {
  return page.evaluate(
    ({ banner, masthead }) => {
      const text = document.body.innerText;
      // The archive's bar is the page's first child of <body>: the email starts after it.
      const bar = banner ? (document.body.firstElementChild as HTMLElement).innerText : '';
      const rest = text.slice(text.indexOf(bar) + bar.length).trimStart();
      return {
        titles: [...document.querySelectorAll('title')].map((t) => t.textContent),
        startsWithBar: text.trimStart().startsWith(bar),
        beforeMasthead: rest.slice(0, Math.max(0, rest.indexOf(masthead))),
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        page: getComputedStyle(document.body).backgroundColor,
      };
    },
    { banner, masthead: MASTHEAD },
  );
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: readFileSync(AXE, 'utf8') });
  // `region` (moderate at most, and slow on a long email) is left out: only serious and critical count.
  const result = await page.evaluate(async () => (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[]; failureSummary: string }> }> }> } }).axe.run(document, { rules: { region: { enabled: false } } }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary}`).join(' | ')}`);
}

const NAMES = ['issue', 'confirmation', 'test-send', 'archive', 'admin-preview', 'outbox', 'verdicts-preview', 'welcome', 'still-interested'];
// The whole page of each distinct email; the copies of the issue are looked at by their first screen.
const FULL_PAGE = new Set(['issue', 'confirmation', 'archive', 'welcome', 'still-interested']);

describe('every email and every page that shows one, in Chromium', () => {
  it('covers the issue, confirmation, test send, archive, admin preview, outbox, verdicts preview, welcome and still-interested', () => {
    expect(shown.map((s) => s.name)).toEqual(NAMES);
  });

  for (const v of VIEWS) {
    for (const name of NAMES) {
      it(`${name} at ${v.view}: one title, the masthead first, no sideways scroll, no serious axe violation`, async () => {
        const s = shown.find((x) => x.name === name)!;
        const page = await open(s, v);
        try {
          const seen = await looks(page, !!s.banner);
          // Soft: a document's every defect is reported, not only its first.
          expect.soft(seen.titles, `${s.name}: <title>s`).toHaveLength(1);
          expect.soft(seen.startsWithBar, `${s.name}: the page starts with its own bar`).toBe(true);
          expect.soft(seen.beforeMasthead, `${s.name}: text above the masthead`).toBe('');
          expect.soft(seen.overflow, `${s.name}: sideways scroll at ${v.width} px`).toBeLessThanOrEqual(0);
          expect.soft(seen.page, `${s.name}: page colour`).toBe(v.page);
          expect.soft(await axeViolations(page), `${s.name} at ${v.view}`).toEqual([]);
          await page.screenshot({ path: path.join(ARTIFACTS, `emails-${s.name}-${v.view}-top.png`) });
          if (FULL_PAGE.has(name)) await page.screenshot({ path: path.join(ARTIFACTS, `emails-${s.name}-${v.view}.png`), fullPage: true });
        } finally {
          await page.context().close();
        }
      });
    }
  }
});
