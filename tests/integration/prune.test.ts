// `verdicts ledger prune`: the per-reader rows of sent issues leave (their partition is dropped), and
// every figure a user sees stays the same: `verdicts status`, the admin results, the web archive. An
// issue still sending is left alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { sendIssue } from '../support/readers.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { buildServer } from '../../src/web/server.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { weekStatus } from '../../src/cli/issue-commands.js';
import { issueResults } from '../../src/web/admin/queries.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { findIssue } from '../../src/issues/repo.js';

const run = promisify(execFile);
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;
const SENT = ['2026-W30', '2026-W31'];
const SENDING = '2026-W32';

async function prune(args: string[]) {
  const r = await run(process.execPath, [path.resolve('src/cli/bin.mjs'), 'ledger', 'prune', ...args], { env: { PATH: process.env.PATH!, ...h.env, LOG_LEVEL: 'warn' }, timeout: 60_000 });
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Everything a user sees of an issue's figures. */
async function figuresOf(week: string) {
  const issue = (await findIssue(h.app.db, week))!;
  const { seconds: _s, ...status } = await weekStatus(h.app, week);
  const results = await issueResults(h.app.db, issue.id, issue.send_started_at);
  const archive = issue.state === 'sent' ? (await web.inject({ url: `/issues/${week}` })).body : null;
  return { status, results, archive };
}
const rowsOf = async (week: string) =>
  (await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries d JOIN issues i ON i.id = d.issue_id WHERE i.week = $1`, [week])).rows[0].n;

beforeAll(async () => {
  h = await createHarness({ env: { RESEND_WEBHOOK_SECRET: SECRET, SEND_RATE: '40' } });
  web = await buildServer(h.app);
  const port = await freePort();
  await web.listen({ port, host: '127.0.0.1' });
  workers = startWorkers(h.app, ['render', 'send']);
  await addReaders(h.app, 300);
  h.fake.webhooks.configure({ url: `http://127.0.0.1:${port}/webhooks/resend`, secret: SECRET, types: ['email.sent', 'email.delivered', 'email.opened'], timing: 'after-answer' });
  for (const week of SENT) await sendIssue(h, week);
  await waitFor(async () => h.fake.webhooks.stats.acknowledged >= SENT.length * 300 * 3, 30_000, 'events acknowledged');
  await rollUpAll(h.app.db);
  h.fake.webhooks.configure(null);
  // A reader who left after the first issue: the "unsubscribed after" figure counts them from rows.
  await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = (SELECT min(id) FROM subscribers)`);
  // An issue that started sending and whose batches no worker takes: still sending when the prune runs.
  await planWeek(h.app.db, h.app.log, SENDING, { pairsPerIssue: 2 });
  await renderWeek(h.app.db, h.app.log, SENDING, h.app.config);
  await approveWeek(h.app.db, h.app.log, SENDING, 'test');
  await fanOut(h.app.db, { addBatches: async () => {} }, h.app.log, { week: SENDING, notAfter: null });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await web?.close();
  await h?.close();
});

it('keeps every figure of the pruned issues and leaves a sending issue alone', async () => {
  const before = new Map<string, Awaited<ReturnType<typeof figuresOf>>>();
  for (const week of [...SENT, SENDING]) before.set(week, await figuresOf(week));
  expect(before.get(SENT[0]!)!.status.events).toMatchObject({ sent: 300, delivered: 300, opened: 300 });
  expect(before.get(SENT[1]!)!.results.unsubscribed).toBe(1);
  for (const week of SENT) await expectFiguresMatchRecount(h.app.db, (await findIssue(h.app.db, week))!.id);

  // Nothing sent is older than a week yet.
  expect(await prune(['--keep-weeks', '1', '--json'])).toMatchObject({ removed: 0, weeks: [] });
  const dry = await prune(['--keep-weeks', '0', '--dry-run', '--json']);
  expect(dry).toMatchObject({ removed: 600, weeks: SENT });
  expect(await rowsOf(SENT[0]!)).toBe(300);

  const done = await prune(['--keep-weeks', '0', '--json']);
  expect(done).toMatchObject({ removed: 600, weeks: SENT });
  for (const week of SENT) {
    expect(await rowsOf(week)).toBe(0);
    const issue = (await findIssue(h.app.db, week))!;
    // The issue's partition is gone, not emptied row by row.
    expect((await h.app.db.query(`SELECT to_regclass($1) AS t`, [`deliveries_i${issue.id}`])).rows[0].t).toBeNull();
    expect(await figuresOf(week)).toEqual(before.get(week));
  }
  expect(await rowsOf(SENDING)).toBe(300 - 1);
  expect(await figuresOf(SENDING)).toEqual(before.get(SENDING));
  expect((await findIssue(h.app.db, SENDING))!.state).toBe('sending');
  // A second prune finds nothing left to remove.
  expect(await prune(['--keep-weeks', '0', '--json'])).toMatchObject({ removed: 0, weeks: [] });
});

it('refuses a --keep-weeks that is not a number of weeks, with one line', async () => {
  const r = await run(process.execPath, [path.resolve('src/cli/bin.mjs'), 'ledger', 'prune', '--keep-weeks', 'soon'], { env: { PATH: process.env.PATH!, ...h.env, LOG_LEVEL: 'warn' } }).catch((e) => e);
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim()).toMatch(/--keep-weeks must be a whole number of weeks/);
});
