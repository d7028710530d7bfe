// The lean send: each issue stored at the provider once as a published template, each batch message only the
// template's id and the reader's tokens. Real Postgres, Redis, BullMQ, the resend SDK; the fake provider renders
// templates as Resend does and captures the email each message stands for.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { addReaders, createHarness, type Harness } from '../support/harness.js';
import { readyIssue, sendAndWait, sendingHarness } from '../support/sending.js';
import { startWorkers } from '../../workers/start.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { findIssue } from '../../src/issues/repo.js';
import { buildEmail } from '../../src/delivery/sender.js';
import { IssueTemplates } from '../../src/delivery/issue-templates.js';
import { asOneByte } from '../../src/issues/charset.js';
import type { IssueForSending } from '../../src/delivery/personalize.js';
import path from 'node:path';
import { ARTIFACTS, launchChromium } from '../support/browser.js';

// Content that a template engine would read as placeholders, if it were not escaped: reserved names, a
// variable our template really declares, Handlebars' double braces, a brace right before a link.
const TRICKY = 'Writes {{{FIRST_NAME}}} and {{{UNSUBSCRIBE_TOKEN}}} into prompts, {{contact.email}} too, and {{{this}}}; sets {x: {y: 1}}{';

async function issueForSending(h: Harness, week: string): Promise<IssueForSending> {
  const row = (await findIssue(h.app.db, week))!;
  return { id: row.id, week: row.week, subject: row.subject!, html: asOneByte(row.html!), text: asOneByte(row.text!), sendStartedAt: row.send_started_at! };
}

/** A logger whose lines the test reads. */
function capturingLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

describe('the template path', () => {
  const sending = sendingHarness({ env: { SEND_RATE: '40' } });

  it('stores the issue once and sends each reader only the template id and their tokens; the email received is byte-identical to the inline one', async () => {
    const { h } = sending;
    // Every tool's description holds text that looks like template syntax: it must reach readers as written.
    // The catalog refuses template syntax now (schema and a check constraint), but the constraint is NOT
    // VALID: rows stored before it may hold such text, and it must still reach readers as written.
    await h.app.db.query(`ALTER TABLE tools DROP CONSTRAINT IF EXISTS tools_no_placeholders`);
    await h.app.db.query(`UPDATE tools SET description = $1 || ' (' || slug || ')'`, [TRICKY]);
    const ids = await addReaders(h.app, 250);
    await readyIssue(h, '2026-W10');
    const { issue, counts } = await sendAndWait(h, '2026-W10');
    expect(counts).toMatchObject({ to_send: 250, sent: 250, failed: 0 });
    expect(h.fake.duplicates().size).toBe(0);

    // One published template for the issue, remembered in the database.
    const stored = h.fake.templates.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.status).toBe('published');
    const { rows } = await h.app.db.query(`SELECT state, provider_template_id, alias FROM issue_templates WHERE issue_id = $1`, [issue.id]);
    expect(rows).toEqual([{ state: 'published', provider_template_id: stored[0]!.id, alias: stored[0]!.alias }]);
    expect(h.fake.deliveries.every((d) => d.templateId === stored[0]!.id)).toBe(true);

    // Reader 7's email as the template path delivered it, and the same reader's email sent inline.
    const viaTemplate = h.fake.deliveries.find((d) => d.to[0] === 'reader7@example.net')!;
    const forSending = await issueForSending(h, '2026-W10');
    const inline = buildEmail(h.app.config, forSending, ids[7]!, 'reader7@example.net', null);
    expect(inline.template).toBeUndefined();
    const answer = await h.app.mailer.sendBatch([inline], 'compare-inline');
    expect(answer.kind).toBe('accepted');
    const viaInline = h.fake.deliveries.at(-1)!;
    expect(viaInline.templateId).toBeUndefined();
    for (const field of ['html', 'text', 'subject', 'from', 'headers', 'tags'] as const) expect(viaTemplate[field], field).toEqual(viaInline[field]);
    expect(viaTemplate.html!.length).toBeGreaterThan(20_000);

    // The tricky description reached the reader as written, in both parts; no variable syntax is left.
    expect(viaTemplate.text).toContain(TRICKY);
    expect(viaTemplate.html).toContain(TRICKY);
    expect(viaTemplate.html).not.toMatch(/LBRACE|RBRACE/);
    // As a reader sees it: Chromium's rendered text of the email holds the description as written.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 700, height: 1400 } });
      await page.setContent(viaTemplate.html!, { waitUntil: 'load' });
      const seen = await page.evaluate(() => document.body.innerText);
      expect(seen.replace(/\s+/g, ' ')).toContain(TRICKY);
      const card = page.getByText(TRICKY).first();
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'template-path-tricky-description.png') });
    } finally {
      await browser.close();
    }
    // And the reader's own unsubscribe token is where the placeholder was.
    const token = /token=([^>]+)>$/.exec(viaTemplate.headers!['List-Unsubscribe']!)![1]!;
    expect(viaTemplate.html).toContain(`/unsubscribe?token=${token}`);
  });

  it('a retried batch sends the same body under the same key: a request accepted but whose answer was lost is replayed, nobody gets two', async () => {
    const { h } = sending;
    await addReaders(h.app, 150, 1000);
    await readyIssue(h, '2026-W11');
    h.fake.reset();
    h.fake.acceptThenDropNext(1);
    h.fake.failNext(1, { status: 500 });
    const { counts } = await sendAndWait(h, '2026-W11');
    expect(counts.failed).toBe(0);
    expect(h.fake.duplicates().size).toBe(0);
    expect(h.fake.replays).toBeGreaterThanOrEqual(1);
    expect(h.fake.requests.filter((r) => r.errorName === 'invalid_idempotent_request')).toHaveLength(0);
    expect(h.fake.deliveries.every((d) => d.templateId !== undefined)).toBe(true);
  });

  it('two senders (or a sender that died after the provider created the template) never make a second template', async () => {
    const { h } = sending;
    await readyIssue(h, '2026-W12');
    await fanOut(h.app.db, { addBatches: async () => {} }, h.app.log, { week: '2026-W12', notAfter: null });
    const issue = await issueForSending(h, '2026-W12');
    const before = h.fake.templates.list().length;
    const sender = () => new IssueTemplates({ db: h.app.db, provider: h.app.mailer.templates, enabled: true, gate: h.app.sendGate, log: h.app.log });
    const [a, b, c] = await Promise.all([sender().forIssue(issue), sender().forIssue(issue), sender().forIssue(issue)]);
    expect(a!.id).toBe(b!.id);
    expect(a!.id).toBe(c!.id);
    expect(h.fake.templates.list().length).toBe(before + 1);

    // The provider has the template but the database forgot it (the sender died before its update committed).
    await h.app.db.query(`DELETE FROM issue_templates WHERE issue_id = $1`, [issue.id]);
    const again = await sender().forIssue(issue);
    expect(again!.id).toBe(a!.id);
    expect(h.fake.templates.list().length).toBe(before + 1);
  });

  it('deletes the template of a finished issue at the provider once its grace period has passed, not before', async () => {
    const { h } = sending;
    const week = (await findIssue(h.app.db, '2026-W10'))!;
    const { rows: [row] } = await h.app.db.query(`SELECT provider_template_id FROM issue_templates WHERE issue_id = $1`, [week.id]);
    expect(await h.app.issueTemplates.retire()).toBe(0);
    expect(h.fake.templates.list().some((t) => t.id === row.provider_template_id)).toBe(true);
    // Two finished issues (W10, W11) are past a grace of zero; W12 is still sending and keeps its template.
    expect(await h.app.issueTemplates.retire(0)).toBe(2);
    expect(h.fake.templates.list().some((t) => t.id === row.provider_template_id)).toBe(false);
    const { rows } = await h.app.db.query(`SELECT i.week, t.state FROM issue_templates t JOIN issues i ON i.id = t.issue_id ORDER BY i.week`);
    expect(rows).toEqual([{ week: '2026-W10', state: 'deleted' }, { week: '2026-W11', state: 'deleted' }, { week: '2026-W12', state: 'published' }]);
  });
});

describe('falling back to inline', () => {
  it('a provider refusing templates (4xx on create): the issue goes inline, with a log line saying why, and the refusal is remembered', async () => {
    const h = await createHarness({ env: { SEND_RATE: '40' } });
    const { log, lines } = capturingLog();
    h.app.issueTemplates = new IssueTemplates({ db: h.app.db, provider: h.app.mailer.templates, enabled: true, gate: h.app.sendGate, log });
    const workers = startWorkers(h.app, ['render', 'send']);
    try {
      h.fake.control({ op: 'refuseTemplates', status: 403 });
      await addReaders(h.app, 120);
      await readyIssue(h, '2026-W20');
      const { issue, counts } = await sendAndWait(h, '2026-W20');
      expect(counts).toMatchObject({ to_send: 120, sent: 120, failed: 0 });
      expect(h.fake.deliveries.every((d) => d.templateId === undefined && d.html!.length > 20_000)).toBe(true);
      expect(h.fake.templates.list()).toHaveLength(0);
      const { rows } = await h.app.db.query(`SELECT state, reason FROM issue_templates WHERE issue_id = $1`, [issue.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].state).toBe('refused');
      expect(rows[0].reason).toMatch(/^create: 403/);
      const why = lines.filter((l) => l.msg === 'issue sent inline, every email with its HTML, not through a provider template');
      expect(why.length).toBeGreaterThanOrEqual(1);
      expect(String(why[0]!.reason)).toMatch(/the provider refused the template: create: 403/);
    } finally {
      await workers.close();
      await h.close();
    }
  });

  it('RESEND_TEMPLATES=false: inline as before, no template created', async () => {
    const h = await createHarness({ env: { SEND_RATE: '40', RESEND_TEMPLATES: 'false' } });
    expect(h.config.resendTemplates).toBe(false);
    const workers = startWorkers(h.app, ['render', 'send']);
    try {
      await addReaders(h.app, 50);
      await readyIssue(h, '2026-W21');
      const { counts } = await sendAndWait(h, '2026-W21');
      expect(counts.sent).toBe(50);
      expect(h.fake.templates.list()).toHaveLength(0);
      expect(h.fake.requests.filter((r) => r.path.startsWith('/templates'))).toHaveLength(0);
      expect(h.fake.deliveries.every((d) => d.templateId === undefined && d.html!.length > 20_000)).toBe(true);
    } finally {
      await workers.close();
      await h.close();
    }
  });
});
