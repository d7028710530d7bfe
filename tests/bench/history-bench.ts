// `npm run bench -- --history [--issues 10] [--readers 1000000] [--webhook-events 20000] [--middle code|sql]`: a year's ledger.
// What runs, through the project's own code where it matters:
//   ledger    R confirmed readers; for each of I issues the real plan/render/approve, the real fan-out
//             (fixAudience: rows and figures in one statement), then every batch claimed, attempted and
//             marked sent by the ledger's own statements (the counters move as in a send), the issue
//             closed by markIssueSentIfDone
//   events    ~3 per email (sent, delivered, opened) stored by the webhook's batch statement
//             (storeProviderEvents, 500 per statement) and rolled up by the rollup (rollUpAll)
//   webhook   `verdicts web` as its own process; E signed events posted over HTTP on 64 connections:
//             events/s, and every acknowledged event checked in the log (none lost)
//   reads     p50/p99 over HTTP of the admin list, an issue page and progress.json, and of a reader's
//             export (exportSubscriber), after the first issue and after the last (flat or not)
//   disk      pg_total_relation_size of the ledger's tables, per row, and what 52 issues cost
// Prints a table and ends with one JSON line.
// --keep-db keeps the database (its name is printed); --reuse-db NAME measures a kept one again (migrated
// first, so a change to the schema is measured on the same rows): reads after its issues, webhook, disk.
// Building 10 x 1,000,000 takes ~45 min here; measuring again, a few.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { migrate } from '../../src/db/migrate.js';
import { importCatalogFile } from '../../src/catalog/import.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut, markIssueSentIfDone } from '../../src/delivery/fanout.js';
import * as ledger from '../../src/delivery/ledger.js';
import { storeProviderEvents, type ProviderEvent } from '../../src/subscribers/provider-events.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { recountIssue } from '../../src/delivery/counts.js';
import { exportSubscriber } from '../../src/subscribers/data-rights.js';
import { ADMIN_URL, TEST_REDIS_URL, uniqueQueuePrefix } from '../support/db.js';
import { startVerdicts } from '../support/processes.js';
import { freePort } from '../support/ports.js';
import { arg, flag, processEntry } from './args.js';

const REUSE = arg('reuse-db');
if (REUSE !== undefined && !/^verdicts_history_[0-9a-f]{8}$/.test(REUSE)) throw new Error('--reuse-db takes a database a --keep-db run printed (verdicts_history_xxxxxxxx)');
const ISSUES = Number(arg('issues') ?? 10);
let READERS = Number(arg('readers') ?? 1_000_000);
const WEBHOOK_EVENTS = Number(arg('webhook-events') ?? 20_000);
const SAMPLES = 60;
// --middle sql: the issues between the first and the last are built by set-based statements (the real
// fan-out, then one UPDATE leaving every row as a send and its rollup leave it, its three events logged
// (their webhook ids long expired, as a week after the send), the figures recounted): the same rows, minutes instead of a quarter hour
// per million readers. The first and the last issue always go through the code (claim, mark, webhook
// batch statement, rollup), so the reads after 1 and after I issues see what the code wrote.
const MIDDLE = arg('middle') ?? 'code';
if (MIDDLE !== 'code' && MIDDLE !== 'sql') throw new Error('--middle must be code or sql');
if (!Number.isInteger(ISSUES) || ISSUES < 1 || ISSUES > 52) throw new Error('--issues must be an integer from 1 to 52');
if (!Number.isInteger(READERS) || READERS < 100) throw new Error('--readers must be an integer of at least 100');

const say = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (n: number, d = 1) => n.toFixed(d);
const started = Date.now();
const dbName = REUSE ?? `verdicts_history_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
if (!REUSE) await admin.query(`CREATE DATABASE ${dbName}`);
say(`database ${dbName}${REUSE ? ' (reused)' : ''}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const databaseUrl = url.toString();
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const port = await freePort();
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: uniqueQueuePrefix('history'),
  RESEND_WEBHOOK_SECRET: secret,
  ADMIN_TOKEN: randomBytes(18).toString('base64url'),
  TOKEN_SECRET: randomBytes(24).toString('base64url'),
  PORT: String(port),
  LOG_LEVEL: 'warn',
  DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'verdicts-history-')),
};
const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-history-logs-'));
await migrate(databaseUrl);
const config = loadConfig(env);
const app = await openApp(config, { name: 'history-bench', poolSize: 8, logger: createLogger('warn', 'bench') });
let t = Date.now();
if (REUSE) {
  READERS = (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscribers`)).rows[0]!.n;
} else {
  await importCatalogFile(app.db);
  await app.db.query(
    `INSERT INTO subscribers (email, status, source, consent_at) SELECT 'reader' || g || '@example.net', 'active', 'bench', now() FROM generate_series(1, $1::int) g`,
    [READERS],
  );
  await app.db.query('VACUUM ANALYZE subscribers');
  say(`${READERS} readers in ${fmt((Date.now() - t) / 1000)} s; ${ISSUES} issues to build`);
}

/** Runs fn over items with `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const weeks: string[] = [];
/** Issue i planned, rendered, approved and fanned out for real (its ledger rows and figures written). */
async function fannedOutIssue(i: number): Promise<{ week: string; issueId: number; t0: number; t1: number }> {
  const week = `2025-W${String(i + 10).padStart(2, '0')}`;
  weeks.push(week);
  await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
  await renderWeek(app.db, app.log, week, app.config);
  await approveWeek(app.db, app.log, week, 'bench');
  const t0 = Date.now();
  const r = await fanOut(app.db, { addBatches: async () => {} }, app.log, { week, notAfter: null });
  if (r.kind !== 'started') throw new Error(`fan-out of ${week}: ${r.kind}`);
  return { week, issueId: r.issue.id, t0, t1: Date.now() };
}

async function buildIssue(i: number): Promise<void> {
  const { week, issueId, t0, t1 } = await fannedOutIssue(i);
  const r = { issue: { id: issueId } };
  const batches = (await ledger.pendingBatches(app.db, r.issue.id)).map((b) => b.batch);
  // The sender's ledger statements per batch; the provider's ids are made up here.
  const ids: string[] = [];
  await pool(batches, 6, async (b) => {
    const set = (await ledger.claimAttempt(app.db, r.issue.id, b)).send;
    const messageIds = set.map(() => randomUUID());
    await ledger.markSent(app.db, r.issue.id, b, set.map((s) => s.subscriber_id), messageIds);
    ids.push(...messageIds);
  });
  await markIssueSentIfDone(app.db, r.issue.id, app.log);
  const t2 = Date.now();
  // ~3 events per email, through the webhook's batch statement, then the rollup.
  const events: ProviderEvent[] = [];
  const flush = async () => {
    const chunk = events.splice(0);
    const parts: ProviderEvent[][] = [];
    for (let k = 0; k < chunk.length; k += 500) parts.push(chunk.slice(k, k + 500));
    await pool(parts, 4, async (p) => void (await storeProviderEvents(app.db, p)));
  };
  for (const id of ids) {
    for (const type of ['email.sent', 'email.delivered', 'email.opened']) {
      events.push({ id: `msg_${randomUUID()}`, type, at: new Date(), emailId: id, to: [], bounceType: null, bounceDetail: null });
    }
    if (events.length >= 20_000) await flush();
  }
  await flush();
  const t3 = Date.now();
  await rollUpAll(app.db);
  const t4 = Date.now();
  await vacuumAsAutovacuumWould();
  say(`${week}: fan-out ${fmt((t1 - t0) / 1000)} s, ${batches.length} batches marked ${fmt((t2 - t1) / 1000)} s, ${ids.length * 3} events stored ${fmt((t3 - t2) / 1000)} s (${fmt((ids.length * 3) / ((t3 - t2) / 1000), 0)}/s), rolled up ${fmt((t4 - t3) / 1000)} s`);
}

// --web-profile DIR: a CPU profile of the web process (node --cpu-prof), written when it stops.
const webProfile = arg('web-profile');
// The web process as operators run it: the production build (--from-source: src/ through tsx) with
// NODE_ENV=production (React's production build: without it, every admin page renders in development mode).
const entry = await processEntry(say);
const web = startVerdicts('web', ['web'], { ...env, LOG_LEVEL: 'info', NODE_ENV: 'production' }, path.join(logDir, 'web.log'), {
  entry,
  nodeArgs: webProfile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(webProfile)}`] : [],
});
await web.waitForLog('web listening', 60_000);
const base = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
async function timeIt(fn: () => Promise<void>): Promise<{ p50: number; p99: number }> {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const s = performance.now();
    await fn();
    ms.push(performance.now() - s);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}
async function get(p: string): Promise<void> {
  const r = await fetch(base + p, { headers: auth });
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
}
async function measureReads(label: string) {
  const week = weeks[weeks.length - 1]!;
  const rows = {
    'admin list': await timeIt(() => get('/admin')),
    'issue page': await timeIt(() => get(`/admin/issues/${week}`)),
    'progress.json': await timeIt(() => get(`/admin/issues/${week}/progress.json`)),
    export: await timeIt(async () => void (await exportSubscriber(app.db, `reader${1 + Math.floor(Math.random() * READERS)}@example.net`))),
  };
  say(`\nreads with ${label} (${SAMPLES} samples each, ms)\n| read | p50 | p99 |\n| --- | ---: | ---: |`);
  for (const [k, v] of Object.entries(rows)) say(`| ${k} | ${fmt(v.p50)} | ${fmt(v.p99)} |`);
  return rows;
}

/** An issue between the first and the last, with --middle sql (see MIDDLE). */
async function buildIssueBySql(i: number): Promise<void> {
  const { week, issueId, t0, t1 } = await fannedOutIssue(i);
  const r = { issue: { id: issueId } };
  const { rowCount } = await app.db.query(
    `UPDATE deliveries SET state = 'sent', attempts = 1, provider_message_id = gen_random_uuid()::text, sent_at = now(), updated_at = now(),
       events = jsonb_build_object('sent', x.e, 'delivered', x.e, 'opened', x.e)
     FROM (SELECT jsonb_build_object('first_at', now(), 'last_at', now(), 'count', 1) AS e) x
     WHERE issue_id = $1 AND state = 'queued'`,
    [r.issue.id],
  );
  // The event log keeps a year; the webhook ids (provider_events) only the provider's 7-day retry window,
  // so an issue older than the last has none left: none are written for it.
  await app.db.query(
    `INSERT INTO provider_event_log (webhook_id, type, occurred_at, email_id)
     SELECT 'msg_' || gen_random_uuid(), t, now(), provider_message_id
     FROM deliveries, unnest(ARRAY['email.sent', 'email.delivered', 'email.opened']) t WHERE issue_id = $1`,
    [r.issue.id],
  );
  await recountIssue(app.db, r.issue.id);
  if (!(await markIssueSentIfDone(app.db, r.issue.id, app.log))) throw new Error(`${week} did not close`);
  await vacuumAsAutovacuumWould();
  say(`${week} (set-based): fan-out ${fmt((t1 - t0) / 1000)} s, ${rowCount} rows sent with 3 events each ${fmt((Date.now() - t1) / 1000)} s`);
}

// This machine's Postgres runs with autovacuum = off (its CI configuration, for the test suite's speed);
// in production autovacuum is on and reaches a built issue's partition within minutes. After each issue,
// so that the reads see a ledger as a year leaves it and not one rewritten three times and never
// vacuumed: VACUUM (ANALYZE) of the ledger and the event tables (the partitions done before are skipped
// page by page by the visibility map).
const autovacuum = (await app.db.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0]!.autovacuum;
async function vacuumAsAutovacuumWould(): Promise<void> {
  if (autovacuum === 'on') return;
  const s = Date.now();
  await app.db.query('VACUUM (ANALYZE) deliveries, provider_event_inbox, provider_events, provider_event_log, issue_counts');
  say(`  vacuum (autovacuum is off here) ${fmt((Date.now() - s) / 1000)} s`);
}

t = Date.now();
let first: Awaited<ReturnType<typeof measureReads>> | null = null;
if (REUSE) {
  const { rows } = await app.db.query<{ week: string }>(`SELECT week FROM issues WHERE state = 'sent' ORDER BY week`);
  weeks.push(...rows.map((r) => r.week));
  say(`${READERS} readers, ${weeks.length} sent issues (${weeks[0]} to ${weeks.at(-1)}) kept from an earlier run`);
} else {
  await buildIssue(0);
  first = await measureReads('1 issue');
  for (let i = 1; i < ISSUES; i++) await (MIDDLE === 'sql' && i < ISSUES - 1 ? buildIssueBySql(i) : buildIssue(i));
  say(`ledger built in ${fmt((Date.now() - t) / 1000)} s`);
}
const last = await measureReads(`${weeks.length} issues`);

// The webhook over HTTP: signed events for the last issue's emails, posted as a provider does, many at once:
// autocannon on WEBHOOK_CONNECTIONS keep-alive connections (one request in flight on each). A first version
// posted with fetch() from a pool of 64 promises and measured 90-580 events/s: the client, not the web
// process, was the limit (the server saw ~5 events per batch, its event loop ~2/3 idle). Each event is
// acknowledged or, on a 503, posted again after a pause (the provider's retry), until all are stored.
const { rows: sample } = await app.db.query<{ provider_message_id: string }>(
  `SELECT provider_message_id FROM deliveries d JOIN issues i ON i.id = d.issue_id WHERE i.week = $1 LIMIT $2`,
  [weeks[weeks.length - 1], WEBHOOK_EVENTS],
);
// Signed with node:crypto (the same Standard Webhooks HMAC standardwebhooks computes in pure JavaScript at
// ~1 ms an event): the load generator must not be what limits the rate.
const signKey = Buffer.from(secret.slice(6), 'base64');
const signed = (n: number) => {
  const id = `msg_${randomUUID()}`;
  const at = new Date();
  const ts = String(Math.floor(at.getTime() / 1000));
  const body = JSON.stringify({ type: 'email.clicked', created_at: at.toISOString(), data: { email_id: sample[n % sample.length]!.provider_message_id, to: ['x@example.net'] } });
  const signature = `v1,${createHmac('sha256', signKey).update(`${id}.${ts}.${body}`).digest('base64')}`;
  return { id, body, headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': signature } };
};
// Every event is signed before the clock starts (the signatures stay fresh: the run is far shorter than the
// five minutes' tolerance): signing during the run took the load generator's share of this 2-core machine
// from the web process and Postgres it measures. Retries of refused events are signed anew.
const presigned = Array.from({ length: WEBHOOK_EVENTS }, (_, n) => signed(n));
const CONNECTIONS = Math.min(WEBHOOK_EVENTS, Number(arg('webhook-connections') ?? 64));
const posted: string[] = [];
const again: number[] = [];
let refused = 0;
let seq = 0;
const w0 = Date.now();
// The clock stops at the last acknowledgement: autocannon notices that its amount is done on its next
// one-second tick, which counted up to a second more (the rates of earlier runs are low by up to ~7 %).
let lastAck = w0;
const loadRun = await autocannon({
  url: base,
  connections: CONNECTIONS,
  amount: WEBHOOK_EVENTS,
  requests: [
    {
      method: 'POST',
      path: '/webhooks/resend',
      setupRequest: (req, context) => {
        const n = seq++;
        const e = presigned[n]!;
        context.id = e.id;
        context.n = n;
        return { ...req, headers: e.headers, body: e.body };
      },
      onResponse: (status, _body, context) => {
        if (status === 200) {
          posted.push(context.id as string);
          lastAck = Date.now();
        }
        else {
          refused++;
          again.push(context.n as number);
        }
      },
    },
  ],
});
// The provider's retries of what was refused (503 + retry-after), a few at a time.
await pool(again, 8, async (n) => {
  for (;;) {
    const e = signed(n);
    const r = await fetch(`${base}/webhooks/resend`, { method: 'POST', body: e.body, headers: e.headers });
    await r.arrayBuffer();
    if (r.ok) {
      lastAck = Date.now();
      return void posted.push(e.id);
    }
    refused++;
    await new Promise((res) => setTimeout(res, 100));
  }
});
if (loadRun.errors + loadRun.timeouts > 0) say(`webhook: ${loadRun.errors} connection errors, ${loadRun.timeouts} timeouts (those events were not posted)`);
const webhookSeconds = (lastAck - w0) / 1000;
const stored = (await app.db.query(`SELECT count(*)::int AS n FROM provider_event_log WHERE webhook_id = ANY($1)`, [posted])).rows[0].n;
const perSecond = posted.length / webhookSeconds;
say(`\nwebhook: ${posted.length} events acknowledged in ${fmt(webhookSeconds)} s on ${CONNECTIONS} connections = ${fmt(perSecond, 0)} events/s (latency p50 ${loadRun.latency.p50} ms, p99 ${loadRun.latency.p99} ms), ${refused} answers 503 retried, ${stored} of ${posted.length} acknowledged stored (lost: ${posted.length - stored})`);

// Disk: every relation of the ledger, with its partitions (row counts from the leaves, freshly analysed).
await app.db.query('ANALYZE');
const { rows: disk } = await app.db.query<{ name: string; bytes: string; rows: string }>(`
  SELECT r.name, sum(pg_total_relation_size(p.relid))::bigint AS bytes, sum(greatest(c.reltuples, 0)) FILTER (WHERE p.isleaf)::bigint AS rows
  FROM (VALUES ('deliveries'), ('provider_event_log'), ('provider_events'), ('provider_event_inbox'), ('issue_counts')) r(name)
  -- pg_partition_tree lists nothing for a table that is not partitioned: then the table itself.
  CROSS JOIN LATERAL (
    SELECT relid, isleaf FROM pg_partition_tree(r.name::regclass)
    UNION ALL SELECT r.name::regclass, true WHERE NOT EXISTS (SELECT 1 FROM pg_partition_tree(r.name::regclass))) p
  JOIN pg_class c ON c.oid = p.relid
  GROUP BY r.name ORDER BY r.name`);
const sizes = Object.fromEntries(disk.map((d) => [d.name, { bytes: Number(d.bytes), rows: Number(d.rows) }]));
const perRow = (n: string) => (sizes[n]!.rows > 0 ? sizes[n]!.bytes / sizes[n]!.rows : 0);
// The ledger and the event log grow all year; the webhook ids are kept for the provider's retry window (a
// week: one issue's ~3 events per email), the inbox empties as it is rolled up.
const yearBytes = 52 * READERS * perRow('deliveries') + 52 * READERS * 3 * perRow('provider_event_log') + READERS * 3 * perRow('provider_events');
say(`\ndisk (pg_total_relation_size, tables + indexes)\n| relation | MB | rows | bytes/row |\n| --- | ---: | ---: | ---: |`);
for (const d of disk) say(`| ${d.name} | ${fmt(Number(d.bytes) / 1e6)} | ${d.rows} | ${fmt(perRow(d.name), 0)} |`);
say(`a 52-week year at ${READERS} readers (ledger rows + 3 logged events per email + a week of webhook ids): ${fmt(yearBytes / 1e9, 1)} GB`);
say(`total bench time ${fmt((Date.now() - started) / 1000)} s`);

await web.kill('SIGTERM');
await app.close();
if (!flag('keep-db') && !REUSE) {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  rmSync(env.DATA_DIR, { recursive: true, force: true });
}
await admin.end();
if (!flag('keep-logs')) rmSync(logDir, { recursive: true, force: true });
say(JSON.stringify({ bench: 'history', database: dbName, issues: weeks.length, readers: READERS, middle: MIDDLE, first, last, webhook: { events: posted.length, connections: CONNECTIONS, perSecond, lost: posted.length - stored, refused, p50: loadRun.latency.p50, p99: loadRun.latency.p99 }, disk: sizes, yearBytes }));
