// The sunset over simulated weeks (real Postgres, Redis, send workers, the resend SDK and the local fake
// provider): readers who click or vote stay; an idle one is asked "still want this?" once, however often
// the sunset runs; the keep link keeps them; no answer within 2 more issues makes them inactive, and fan-out
// then leaves them out; the keep link or signing up again brings them back. Opens count for nothing.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { waitFor, type Harness } from '../support/harness.js';
import { confirmationsSettled, FORM, heading, linksIn, pathOf, sendIssue } from '../support/readers.js';
import { openSite, type Site } from '../support/site.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { startScheduler } from '../../workers/start.js';
import { isoWeekOf } from '../../src/issues/week.js';
import { runSunset, stillInterestedEmails, stillInterestedMail } from '../../src/subscribers/sunset.js';
import { owedIdempotencyKey } from '../../src/subscribers/owed-mail.js';
import { wakeConfirmations } from '../../src/queue/confirm-queue.js';
import { storeProviderEvents } from '../../src/subscribers/provider-events.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { signToken, verifyToken } from '../../src/subscribers/tokens.js';
import { pruneLedger } from '../../src/delivery/prune.js';
import type { IssueRow } from '../../src/issues/repo.js';
import type { Delivery } from '../support/fake-resend.js';

const run = promisify(execFile);
const BIN = path.resolve('src/cli/bin.mjs');

let site: Site;
let h: Harness;
let web: FastifyInstance;
let ip = 0;
const issues: IssueRow[] = [];

const READERS = ['clicker', 'voter', 'keeper', 'idle', 'opener'] as const;
type Who = (typeof READERS)[number];
const email = (who: Who) => `${who}@example.net`;
const id: Partial<Record<Who, number>> = {};

const tagged = (d: Delivery, value: string) => d.tags?.some((t) => t.value === value) ?? false;
const asksTo = (who: Who) => h.fake.deliveries.filter((d) => d.to.includes(email(who)) && tagged(d, 'still-interested'));
const row = async (who: Who) => (await h.app.db.query(`SELECT * FROM subscribers WHERE email = $1`, [email(who)])).rows[0];
const emails = (rows: Array<{ email: string }>) => rows.map((r) => r.email).sort();
const sunset = (dryRun = false) => runSunset({ db: h.app.db, log: h.app.log, confirmQueue: h.app.queue('confirm') }, { afterIssues: h.config.sunsetAfterIssues, dryRun });
/** Everything the sunset could touch, to show a dry run changed nothing. */
const snapshot = async () =>
  JSON.stringify([
    (await h.app.db.query(`SELECT * FROM subscribers ORDER BY id`)).rows,
    (await h.app.db.query(`SELECT id, sunset_tallied_at FROM issues ORDER BY id`)).rows,
  ]);

/** Readers of an issue's ledger. */
async function audience(issue: IssueRow): Promise<string[]> {
  const { rows } = await h.app.db.query(`SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue_id = $1 AND d.state = 'sent' ORDER BY 1`, [issue.id]);
  return rows.map((r) => r.email as string);
}

/** A provider event for the reader's email of that issue, stored as the webhook stores it, then rolled up. */
async function providerEvent(who: Who, issue: IssueRow, type: 'email.clicked' | 'email.opened'): Promise<void> {
  const { rows } = await h.app.db.query(`SELECT provider_message_id FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2`, [issue.id, id[who]]);
  expect(rows[0]?.provider_message_id).toBeTruthy();
  await storeProviderEvents(h.app.db, [{ id: `msg_${randomUUID()}`, type, at: new Date(), emailId: rows[0].provider_message_id, to: [email(who)], bounceType: null, bounceDetail: null }]);
  await rollUpAll(h.app.db);
}

/** A ship vote through the issue's vote link. */
async function vote(who: Who, issue: IssueRow): Promise<void> {
  const { rows } = await h.app.db.query(`SELECT tool_a_id FROM comparisons WHERE issue_id = $1 ORDER BY position LIMIT 1`, [issue.id]);
  const token = signToken(h.config.tokenSecret, { purpose: 'vote', subscriberId: id[who]!, issueId: issue.id, toolId: Number(rows[0].tool_a_id), expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  const r = await web.inject({ method: 'POST', url: `/vote?token=${token}`, headers: FORM, payload: 'choice=ship' });
  expect(r.statusCode).toBe(200);
}

/** One simulated week: the issue goes out, then the readers do what they do with it. */
async function week(n: number, actions: { click?: Who[]; vote?: Who[]; open?: Who[] } = {}): Promise<IssueRow> {
  const issue = await sendIssue(h, `2026-W${String(n).padStart(2, '0')}`);
  issues.push(issue);
  for (const who of actions.click ?? []) await providerEvent(who, issue, 'email.clicked');
  for (const who of actions.open ?? []) await providerEvent(who, issue, 'email.opened');
  for (const who of actions.vote ?? []) await vote(who, issue);
  return issue;
}

async function verdicts(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, ...h.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

/** The keep link of the reader's "still want this?" email, as a path for inject(). */
function keepLink(who: Who): string {
  const [mail] = asksTo(who);
  const links = linksIn(mail!.html!, '/keep');
  expect(links.length).toBeGreaterThanOrEqual(1);
  return pathOf(links[0]!);
}

beforeAll(async () => {
  ({ h, web } = site = await openSite({ backend: 'redis', env: { SEND_RATE: '50', SUNSET_AFTER_ISSUES: '3' }, workers: ['render', 'send'] }));
  for (const who of READERS) {
    const { rows } = await h.app.db.query(`INSERT INTO subscribers (email, status, source, consent_at) VALUES ($1, 'active', 'test', now()) RETURNING id`, [email(who)]);
    id[who] = Number(rows[0].id);
  }
}, 60_000);
afterAll(() => site?.close());

describe('the sunset over simulated weeks (SUNSET_AFTER_ISSUES=3)', () => {
  it('asks idle readers once, after 3 issues without a click or vote; opens do not count; a dry run changes nothing', async () => {
    await week(1, { click: ['clicker'], open: ['opener'] });
    await week(2, { click: ['clicker'], vote: ['voter'], open: ['opener'] });
    // Two issues: nobody has been idle for three yet.
    expect((await sunset()).asked).toEqual([]);
    await week(3, { click: ['clicker'], open: ['opener'] });

    const before = await snapshot();
    const dry = await sunset(true);
    expect(emails(dry.asked)).toEqual([email('idle'), email('keeper'), email('opener')]);
    expect(dry.inactivated).toEqual([]);
    expect(dry.asked.every((r) => r.idle_issues === 3)).toBe(true);
    // The command line's dry run, as an operator runs it: the same figures, nothing changed either.
    const cli = await verdicts(['subscribers', 'sunset', '--dry-run', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(lastJson(cli.stdout)).toEqual({ asked: 3, inactivated: 0, dry_run: true, after_issues: 3 });
    expect(await snapshot()).toBe(before);
    expect(h.fake.deliveries.filter((d) => tagged(d, 'still-interested'))).toHaveLength(0);

    const applied = await sunset();
    expect(emails(applied.asked)).toEqual(emails(dry.asked));
    await confirmationsSettled(h);
    for (const who of ['idle', 'keeper', 'opener'] as const) {
      const mails = asksTo(who);
      expect(mails, who).toHaveLength(1);
      const r = await row(who);
      expect(mails[0]!.subject).toBe('Still want Weekly AI Tool Verdicts?');
      expect(mails[0]!.idempotencyKey).toMatch(/^sunset\//);
      expect(r.sunset_asked_at).not.toBeNull();
      expect(r).toMatchObject({ sunset_owed_at: null, sunset_claim: null, status: 'active' });
      // The keep link is signed for this reader; the email can be left in one click too.
      const keep = new URL(linksIn(mails[0]!.html!, '/keep')[0]!);
      const check = verifyToken(h.config.tokenSecret, keep.searchParams.get('token'), 'keep');
      expect(check.ok && check.claims.subscriberId).toBe(id[who]);
      expect(mails[0]!.text).toContain(keep.toString());
      expect(mails[0]!.headers!['List-Unsubscribe']).toBe(`<${linksIn(mails[0]!.html!, '/unsubscribe')[0]}>`);
    }
    expect(asksTo('clicker')).toHaveLength(0);
    expect(asksTo('voter')).toHaveLength(0);

    // Running it again (the scheduler and an operator, or a retried job) asks nobody twice.
    const again = await sunset();
    expect(again).toMatchObject({ asked: [], inactivated: [], tallied: 0 });
    await confirmationsSettled(h);
    for (const who of ['idle', 'keeper', 'opener'] as const) expect(asksTo(who), who).toHaveLength(1);
  }, 180_000);

  it('the keep link: GET shows a button and changes nothing, POST keeps the reader; tampered or expired links answer 400 and 410', async () => {
    const url = keepLink('keeper');
    const page = await web.inject({ method: 'GET', url });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('method="post"');
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await row('keeper')).sunset_asked_at).not.toBeNull();

    const token = new URL(url, 'https://x').searchParams.get('token')!;
    const tampered = token.replace(/\.(\d+)\./, (_m, n: string) => `.${Number(n) + 1}.`);
    const expired = signToken(h.config.tokenSecret, { purpose: 'keep', subscriberId: id.idle!, issueId: 0, toolId: 0, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const wrongPurpose = signToken(h.config.tokenSecret, { purpose: 'preferences', subscriberId: id.idle!, issueId: 0, toolId: 0, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    const before = await snapshot();
    for (const method of ['GET', 'POST'] as const) {
      expect((await web.inject({ method, url: `/keep?token=${tampered}`, headers: FORM, payload: '' })).statusCode).toBe(400);
      expect((await web.inject({ method, url: `/keep?token=${wrongPurpose}`, headers: FORM, payload: '' })).statusCode).toBe(400);
      expect((await web.inject({ method, url: '/keep', headers: FORM, payload: '' })).statusCode).toBe(400);
      const gone = await web.inject({ method, url: `/keep?token=${expired}`, headers: FORM, payload: '' });
      expect(gone.statusCode).toBe(410);
      expect(heading(gone.body)).toBe('This link has expired');
    }
    expect(await snapshot()).toBe(before);

    const kept = await web.inject({ method: 'POST', url, headers: FORM, payload: '' });
    expect(kept.statusCode).toBe(200);
    expect(heading(kept.body)).toBe('Thanks, you stay subscribed');
    expect(await row('keeper')).toMatchObject({ status: 'active', sunset_asked_at: null, idle_issues: 0 });
    expect((await row('keeper')).last_active_at).not.toBeNull();
  });

  it('no answer within 2 more issues: inactive, counted in the admin, and left out at fan-out', async () => {
    await week(4, { click: ['clicker'], vote: ['voter'], open: ['opener'] });
    // One issue after the ask is not enough.
    expect(await sunset()).toMatchObject({ asked: [], inactivated: [] });
    await week(5, { click: ['clicker'], open: ['opener'] });
    const cli = await verdicts(['subscribers', 'sunset', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(lastJson(cli.stdout)).toEqual({ asked: 0, inactivated: 2, dry_run: false, after_issues: 3 });
    for (const who of ['idle', 'opener'] as const) expect((await row(who)).status, who).toBe('inactive');
    for (const who of ['clicker', 'voter', 'keeper'] as const) expect((await row(who)).status, who).toBe('active');
    // The keeper's count started again at the keep: 2 issues since, not asked again yet.
    expect((await row('keeper')).idle_issues).toBe(2);

    const admin = await web.inject({ method: 'GET', url: '/admin', headers: { authorization: `Bearer ${h.config.adminToken}` } });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).toMatch(/3 active.*2 inactive/s);

    const w6 = await week(6);
    expect(await audience(w6)).toEqual([email('clicker'), email('keeper'), email('voter')]);
    // Counters stay exact: every issue's kept figures equal a recount of its rows.
    for (const issue of issues) await expectFiguresMatchRecount(h.app.db, issue.id);
  }, 180_000);

  it('back with one click on the keep link, or by signing up again (with its confirmation)', async () => {
    // The opener's old keep link still works after they were made inactive.
    const url = keepLink('opener');
    const page = await web.inject({ method: 'GET', url });
    expect(page.statusCode).toBe(200);
    expect(heading(page.body)).toBe('Start the weekly issue again?');
    expect((await row('opener')).status).toBe('inactive');
    const back = await web.inject({ method: 'POST', url, headers: FORM, payload: '' });
    expect(heading(back.body)).toBe('Welcome back');
    expect(await row('opener')).toMatchObject({ status: 'active', inactive_at: null, idle_issues: 0, sunset_asked_at: null });

    // The idle reader signs up again: pending, a confirmation email, and active once they confirm.
    const signup = await web.inject({ method: 'POST', url: '/subscribe', headers: FORM, payload: `email=${encodeURIComponent(email('idle'))}`, remoteAddress: `10.19.0.${++ip}` });
    expect(signup.statusCode).toBeLessThan(400);
    expect((await row('idle')).status).toBe('pending');
    await waitFor(async () => h.fake.deliveries.some((d) => d.to.includes(email('idle')) && tagged(d, 'confirm-subscription')), 30_000, 'confirmation to the idle reader');
    const confirmMail = h.fake.deliveries.find((d) => d.to.includes(email('idle')) && tagged(d, 'confirm-subscription'))!;
    const confirmed = await web.inject({ method: 'POST', url: pathOf(linksIn(confirmMail.html!, '/confirm')[0]!), headers: FORM, payload: '' });
    expect(confirmed.statusCode).toBe(200);
    expect(await row('idle')).toMatchObject({ status: 'active', inactive_at: null, idle_issues: 0, sunset_asked_at: null });
    await confirmationsSettled(h);

    const w7 = await week(7);
    expect(await audience(w7)).toEqual(READERS.map(email).sort());
    await expectFiguresMatchRecount(h.app.db, w7.id);
  }, 120_000);

  it('a pruned issue is counted first: the idle counts survive the ledger prune', async () => {
    const w8 = await week(8, { click: ['clicker'] });
    // W06, W07 and W08 are not counted yet (no sunset run since W05); the prune (every sent issue, at 0
    // weeks) counts each issue before its rows leave.
    expect((await row('voter')).idle_issues).toBe(1);
    const pruned = await pruneLedger(h.app.db, h.app.log, { keepWeeks: 0 });
    expect(pruned.weeks).toContain(w8.week);
    expect((await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries`)).rows[0].n).toBe(0);
    // Voter: no vote since W04, so W05 to W08; the clicker clicked W08; the keeper kept after W03.
    expect((await row('voter')).idle_issues).toBe(4);
    expect((await row('clicker')).idle_issues).toBe(0);
    expect((await row('keeper')).idle_issues).toBe(5);
    expect((await row('idle')).idle_issues).toBe(2);
    // The sunset run after it counts nothing a second time, and asks the two idle for 3 issues or more.
    const r = await sunset();
    expect(r.tallied).toBe(0);
    expect(emails(r.asked)).toEqual([email('keeper'), email('voter')]);
    expect((await row('voter')).idle_issues).toBe(4);
    await confirmationsSettled(h);
    // The keeper's second idle spell: a second ask, one per spell.
    expect(asksTo('keeper')).toHaveLength(2);
    expect(asksTo('voter')).toHaveLength(1);
  }, 120_000);

  it("the scheduler's weekly tick queues the sunset pass (a job per ISO week) and the scheduler runs it", async () => {
    const scheduler = await startScheduler(h.app, { every: 1000 });
    try {
      const jobId = `sunset-${isoWeekOf(new Date(), h.config.scheduleTz)}`;
      await waitFor(async () => (await (await h.app.queue('schedule').getJob(jobId))?.getState()) === 'completed', 40_000, 'the weekly sunset job');
      const job = (await h.app.queue('schedule').getJob(jobId))!;
      expect(job.name).toBe('sunset-readers');
      expect(job.data).toMatchObject({ afterIssues: 3 });
      expect(job.returnvalue).toMatchObject({ asked: expect.any(Number), inactivated: expect.any(Number), tallied: expect.any(Number) });
    } finally {
      await scheduler.close();
    }
    // However often it ran, nobody got a second ask within one idle spell: the keeper had two spells.
    await confirmationsSettled(h);
    for (const who of READERS) expect(asksTo(who).length, who).toBeLessThanOrEqual(who === 'keeper' ? 2 : 1);
  }, 90_000);

  it('the command refuses to run with the sunset off, and a bad SUNSET_AFTER_ISSUES, in one line each', async () => {
    const off = await verdicts(['subscribers', 'sunset', '--json'], { SUNSET_AFTER_ISSUES: '0' });
    expect(off.code).not.toBe(0);
    expect(off.stderr.trim()).toBe('verdicts: the sunset is off: SUNSET_AFTER_ISSUES is 0');
    const bad = await verdicts(['subscribers', 'sunset'], { SUNSET_AFTER_ISSUES: 'often' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toBe('verdicts: SUNSET_AFTER_ISSUES must be a whole number of issues (0 turns the sunset off)');
  }, 60_000);

  it('an asked reader who clicks in an issue instead of pressing keep stays, and is not asked again', async () => {
    expect((await row('voter')).sunset_asked_at).not.toBeNull();
    await week(9, { click: ['voter'] });
    expect(await row('voter')).toMatchObject({ status: 'active', sunset_asked_at: null, issues_since_asked: 0, idle_issues: 0 });
    await week(10);
    const r = await sunset();
    expect(emails(r.inactivated)).not.toContain(email('voter'));
    expect(emails(r.asked)).not.toContain(email('voter'));
    await confirmationsSettled(h);
    expect(asksTo('voter')).toHaveLength(1);
  }, 120_000);

  it('an ask whose worker died after the provider accepted it is sent exactly once (the claim replayed)', async () => {
    const address = 'died-after-ask@example.net';
    const { rows } = await h.app.db.query(`INSERT INTO subscribers (email, status, source, consent_at, idle_issues, sunset_owed_at) VALUES ($1, 'active', 'test', now(), 5, now()) RETURNING id`, [address]);
    const group = (await stillInterestedMail.claimOwed(h.app.db))!;
    expect(group.readers.map((x) => x.id)).toEqual([Number(rows[0].id)]);
    const key = owedIdempotencyKey('sunset', group);
    expect((await h.app.mailer.sendBatch(await stillInterestedEmails(h.app, group), key)).kind).toBe('accepted');
    // …and died before recording it. The job replays the claim: the provider answers from its record.
    const replays = h.fake.replays;
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(h.fake.replays - replays).toBe(1);
    expect(h.fake.deliveries.filter((d) => d.to.includes(address) && tagged(d, 'still-interested'))).toHaveLength(1);
    const after = (await h.app.db.query(`SELECT * FROM subscribers WHERE email = $1`, [address])).rows[0];
    expect(after).toMatchObject({ sunset_claim: null, sunset_owed_at: null, sunset_asked_at: group.claimedAt, issues_since_asked: 0 });
  }, 60_000);
});
