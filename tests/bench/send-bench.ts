// `npm run bench [-- --subscribers N] [--backend redis|postgres]`: the real send pipeline against the
// transport ceiling, in one run, on this machine. More flags: --ceiling-seconds S (20), --concurrency C
// (of the ceiling loop; default 4, the sender's own), --node-options "…" (NODE_OPTIONS of the worker
// processes), --paths template|inline (one path only), --profile-dir DIR (a CPU profile of the sender), --from-source (run the workers through tsx instead of the production build), --ceiling-only,
// --keep-db, --keep-logs.
//
//   ceiling   the fake provider (its own process, no rate limit, bodies not kept) fed by a bare loop of
//             resend SDK calls carrying one real rendered, personalised batch: no database, no queue.
//   pipeline  N confirmed readers in a fresh database; `verdicts worker render` (fan-out) and
//             `verdicts worker send` as separate processes, exactly as operators run them; the same
//             provider; SEND_RATE high enough that the gate never binds. Timed from the operator's go
//             (the fan-out job) to the issue's state 'sent'. Twice, for two issues to the same readers:
//             inline (RESEND_TEMPLATES=false, every email's HTML in the request) and the template path
//             (the issue stored at the provider once, each message its id and the reader's tokens).
//
// `npm run bench -- --signup` runs the signup load test instead (signup-bench.ts), `--import N` the
// subscriber CSV import (import-bench.ts), `npm run bench -- --rate R` the provider-limit check
// (rate-bench.ts), and `npm run bench -- --history [--issues I] [--readers R]` a year's ledger: admin
// reads, export, webhook events/s, disk (history-bench.ts).
// Prints a table and ends with one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Resend } from 'resend';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { migrate } from '../../src/db/migrate.js';
import { importCatalogFile } from '../../src/catalog/import.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { findIssue } from '../../src/issues/repo.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { buildEmail } from '../../src/delivery/sender.js';
import { FETCH_OPTIONS } from '../../src/delivery/resend-mailer.js';
import { BATCH_SIZE } from '../../src/delivery/ledger.js';
import { bullEnqueue } from '../../src/queue/schedule-jobs.js';
import { ADMIN_URL, TEST_REDIS_URL } from '../support/db.js';
import { startFakeResendProcess, type FakeResendProcess } from '../support/fake-resend-process.js';
import { cpuBetween, cpuOfCommand, machineCpu, procUsage, startVerdicts, type VerdictsProcess } from '../support/processes.js';
import { freePort } from '../support/ports.js';
import { arg, flag, processEntry } from './args.js';

// ---------------------------------------------------------------------------------------------------------
// Arguments


if (flag('history')) {
  await import('./history-bench.js');
  process.exit(process.exitCode ?? 0);
}
if (flag('signup')) {
  await import('./signup-bench.js');
  process.exit(process.exitCode ?? 0);
}
if (arg('import') !== undefined) {
  await import('./import-bench.js');
  process.exit(process.exitCode ?? 0);
}
if (arg('rate') !== undefined) {
  await import('./rate-bench.js');
  process.exit(process.exitCode ?? 0);
}

const N = Number(arg('subscribers') ?? 100_000);
const BACKEND = (arg('backend') ?? 'redis') as 'redis' | 'postgres';
const SEND_RATE = 1000; // the config's maximum: 100,000 emails/s, far above what this machine reaches
// The sender's own concurrency at a high SEND_RATE (MAX_SEND_CONCURRENCY in workers/start.ts); the
// ceiling loop keeps the same number of requests in flight.
const CONCURRENCY = Number(arg('concurrency') ?? 4);
const CEILING_SECONDS = Number(arg('ceiling-seconds') ?? 20);
const WEEK = '2026-W30';
const PATHS = [
  { label: 'inline', week: '2026-W30', templates: 'false' },
  { label: 'template', week: '2026-W32', templates: 'true' },
] as const;
// --paths template (or inline): only that path, e.g. for a memory run at 1,000,000 readers; default both.
const ONLY = (arg('paths') ?? 'inline,template').split(',');
if (ONLY.some((p) => p !== 'inline' && p !== 'template')) throw new Error('--paths must be inline, template or inline,template');
if (!Number.isInteger(N) || N < BATCH_SIZE) throw new Error('--subscribers must be an integer of at least 100');
if (BACKEND !== 'redis' && BACKEND !== 'postgres') throw new Error('--backend must be redis or postgres');

const say = (s: string) => process.stdout.write(s + '\n');
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---------------------------------------------------------------------------------------------------------
// A fresh database with N confirmed readers and an approved, rendered issue

async function createDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `verdicts_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** One INSERT … SELECT over generate_series, in slices so no single statement holds everything. */
async function seedReaders(app: App, n: number): Promise<void> {
  const SLICE = 250_000;
  for (let from = 0; from < n; from += SLICE) {
    await app.db.query(
      `INSERT INTO subscribers (email, name, status, source, consent_at)
       SELECT 'reader' || g || '@example.net', 'Reader ' || g, 'active', 'bench', now()
       FROM generate_series($1::int, $2::int) g`,
      [from, Math.min(n, from + SLICE) - 1],
    );
  }
  await app.db.query('ANALYZE subscribers');
}

// ---------------------------------------------------------------------------------------------------------
// The transport ceiling: a bare loop, the same provider, the same payload

interface Phase {
  emails: number;
  seconds: number;
  rate: number;
}

async function measureCeiling(app: App, provider: FakeResendProcess): Promise<Phase & { bytesPerEmail: number; clientCpuPer1k: number; providerCpuPer1k: number; machineBusyCores: number }> {
  const row = (await findIssue(app.db, WEEK))!;
  const issue = { id: row.id, week: row.week, subject: row.subject!, html: row.html!, text: row.text!, sendStartedAt: new Date() };
  // One real batch: the rendered issue personalised for 100 readers, in the shape the sender posts.
  const template = Array.from({ length: BATCH_SIZE }, (_, i) => buildEmail(app.config, issue, i + 1, `reader${i}@example.net`)).map((e) => ({
    from: e.from,
    to: [e.to],
    subject: e.subject,
    // Materialised once: the bare loop sends finished strings and personalises nothing per request.
    html: String(e.html),
    text: String(e.text),
    headers: e.headers,
    tags: e.tags,
  }));
  const bytes = Buffer.byteLength(JSON.stringify(template));
  const resend = new Resend('re_bench_key', { baseUrl: provider.url });
  let seq = 0;
  const post = async () => {
    const k = seq++;
    // Fresh recipients and key per request: the provider records new deliveries, never a replay.
    const body = template.map((e, i) => ({ ...e, to: [`c${k}-${i}@example.net`] }));
    // The same fetch options as the sender's (src/delivery/resend-mailer.ts): the same transport.
    const r = await resend.batch.send(body, { idempotencyKey: `bench-ceiling/${k}`, ...FETCH_OPTIONS } as { idempotencyKey: string });
    if (r.error) throw new Error(`ceiling request failed: ${r.error.statusCode} ${r.error.message}`);
  };
  // Warm-up: JIT and connections on both sides.
  const warmEnd = Date.now() + 2000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < warmEnd) await post();
  }));
  await provider.control({ op: 'reset' });

  const maxRequests = Math.ceil(N / BATCH_SIZE);
  const cpu0 = process.cpuUsage();
  const prov0 = procUsage(provider.child.pid!)!.cpuSeconds;
  const m0 = machineCpu();
  const t0 = performance.now();
  const end = Date.now() + CEILING_SECONDS * 1000;
  let sent = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end && sent < maxRequests) {
      sent++;
      await post();
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const prov = procUsage(provider.child.pid!)!.cpuSeconds - prov0;
  const m1 = machineCpu();
  const { stats } = await provider.control({ op: 'stats' });
  if (stats.accepted !== sent * BATCH_SIZE) throw new Error(`ceiling: provider accepted ${stats.accepted}, expected ${sent * BATCH_SIZE}`);
  await provider.control({ op: 'reset' });
  const emails = sent * BATCH_SIZE;
  say(`ceiling: ${sent} requests of ${fmt(bytes / 1e6, 2)} MB (100 personalised emails each) in ${fmt(seconds, 1)} s`);
  return {
    emails,
    seconds,
    rate: emails / seconds,
    bytesPerEmail: bytes / BATCH_SIZE,
    clientCpuPer1k: ((cpu.user + cpu.system) / 1e6 / emails) * 1000,
    providerCpuPer1k: (prov / emails) * 1000,
    machineBusyCores: ((m1.busy - m0.busy) / (m1.total - m0.total)) * os.cpus().length,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The pipeline: separate worker processes, timed from the go to 'sent'

type Pipeline = Awaited<ReturnType<typeof measurePipeline>>;

interface WorkerFigures {
  name: string;
  cpuSeconds: number;
  cpuPer1k: number;
  peakRssMb: number;
}

async function measurePipeline(app: App, baseEnv: Record<string, string>, provider: FakeResendProcess, logDir: string, entry: string | undefined, which: (typeof PATHS)[number]) {
  const WEEK = which.week;
  const env = { ...baseEnv, RESEND_TEMPLATES: which.templates };
  await provider.control({ op: 'reset' });
  const fanout = startVerdicts('fan-out worker', ['worker', 'render'], env, path.join(logDir, `render-${which.label}.log`), { entry });
  const metricsPort = await freePort();
  // --profile-dir DIR: a V8 CPU profile of the sender (node --cpu-prof), written when it exits.
  const profileDir = arg('profile-dir');
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=sender-${which.label}.cpuprofile`] : [];
  const sender = startVerdicts('sender', ['worker', 'send'], { ...env, METRICS_PORT: String(metricsPort) }, path.join(logDir, `send-${which.label}.log`), { entry, nodeArgs });
  const workers: VerdictsProcess[] = [fanout, sender];
  try {
    await Promise.all(workers.map((w) => w.waitForLog('workers started', 60_000)));
    const cpuStart = new Map(workers.map((w) => [w.pid, w.usage()!.cpuSeconds]));
    const provStart = procUsage(provider.child.pid!)!.cpuSeconds;
    const pgStart = cpuOfCommand('postgres');
    const redisStart = cpuOfCommand('redis-server');
    const m0 = machineCpu();
    const peakSeen = new Map<number, number>();
    const heapPeak: Record<string, number> = {};
    const t0 = performance.now();
    await bullEnqueue(app).fanOut(WEEK, 'operator', null);

    let fanOutSeconds = 0;
    let lastReport = 0;
    let lastHeapSample = -Infinity;
    const timeoutMs = 120_000 + N * 5; // bounded: 5 ms per reader plus two minutes
    for (;;) {
      const issue = (await findIssue(app.db, WEEK))!;
      const elapsed = performance.now() - t0;
      if (!fanOutSeconds && (issue.state === 'sending' || issue.state === 'sent')) fanOutSeconds = elapsed / 1000;
      for (const w of workers) {
        const u = w.usage();
        if (u) peakSeen.set(w.pid, Math.max(peakSeen.get(w.pid) ?? 0, u.rssMb));
        if (!w.alive()) throw new Error(`${w.name} died (see ${w.logFile})`);
      }
      // Once a second: each scrape makes the sender collect its process metrics, work the bench would add.
      if (elapsed - lastHeapSample >= 1000) {
        lastHeapSample = elapsed;
        await sampleHeap(metricsPort, heapPeak).catch(() => {});
      }
      if (issue.state === 'sent') break;
      if (elapsed - lastReport > 15_000) {
        lastReport = elapsed;
        const c = await deliveryCounts(app.db, issue.id);
        process.stderr.write(`  … ${fmt(elapsed / 1000)} s: ${issue.state}, sent ${fmt(c.sent)} of ${fmt(c.to_send)}, sender RSS ${fmt(sender.usage()?.rssMb ?? 0)} MB\n`);
      }
      if (elapsed > timeoutMs) throw new Error(`pipeline did not finish in ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - t0) / 1000;
    const m1 = machineCpu();
    const figures: WorkerFigures[] = workers.map((w) => {
      const u = w.usage()!;
      const cpu = u.cpuSeconds - cpuStart.get(w.pid)!;
      return { name: w.name, cpuSeconds: cpu, cpuPer1k: (cpu / N) * 1000, peakRssMb: Math.max(u.peakRssMb, peakSeen.get(w.pid) ?? 0) };
    });
    const providerCpu = procUsage(provider.child.pid!)!.cpuSeconds - provStart;
    const pgCpu = cpuBetween(pgStart, cpuOfCommand('postgres'));
    const redisCpu = cpuBetween(redisStart, cpuOfCommand('redis-server'));
    const { stats } = await provider.control({ op: 'stats' });
    const issue = (await findIssue(app.db, WEEK))!;
    const counts = await deliveryCounts(app.db, issue.id);
    const steady = stats.acceptedRequests > 1 ? ((stats.acceptedRequests - 1) * BATCH_SIZE) / ((stats.lastAcceptedAt! - stats.firstAcceptedAt!) / 1000) : 0;
    const batchLines = sender.logLines().filter((l) => l.msg === 'batch sent');
    const ms = batchLines.map((l) => Number(l.ms)).sort((a, b) => a - b);
    return {
      label: which.label,
      bytesPerEmail: stats.emailBodyBytes / stats.accepted,
      emails: N,
      seconds,
      rate: N / seconds,
      steadyRate: steady,
      fanOutSeconds,
      workers: figures,
      providerCpuPer1k: (providerCpu / N) * 1000,
      postgresCpuPer1k: (pgCpu / N) * 1000,
      redisCpuPer1k: (redisCpu / N) * 1000,
      machineBusyCores: ((m1.busy - m0.busy) / (m1.total - m0.total)) * os.cpus().length,
      senderMemoryPeaksMb: Object.fromEntries(Object.entries(heapPeak).map(([k, v]) => [k, Math.round(v / 1e6)])),
      batchMsP50: ms[Math.floor(ms.length / 2)] ?? 0,
      batchMsP99: ms[Math.floor(ms.length * 0.99)] ?? 0,
      exactlyOnce: stats.distinctRecipients === N && stats.duplicateRecipients === 0 && counts.sent === N && counts.pending === 0,
      provider: { accepted: stats.accepted, distinctRecipients: stats.distinctRecipients, duplicateRecipients: stats.duplicateRecipients, replays: stats.replays },
      counts,
    };
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  }
}

/** The sender's own view of its memory (prom-client default metrics), to tell heap from the rest of RSS. */
async function sampleHeap(port: number, peak: Record<string, number>): Promise<void> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const name of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'process_resident_memory_bytes']) {
    const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
    if (m) peak[name] = Math.max(peak[name] ?? 0, Number(m[1]));
  }
}


// ---------------------------------------------------------------------------------------------------------

const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadAtStart = loadavg();
const started = Date.now();
const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-bench-'));
const database = await createDatabase();
let provider: FakeResendProcess | undefined;
let app: App | undefined;
let exitCode = 0;
try {
  await migrate(database.url);
  provider = await startFakeResendProcess();
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    ...(BACKEND === 'redis' ? { REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL } : {}),
    RESEND_API_KEY: 're_bench_key',
    RESEND_BASE_URL: provider.url,
    PUBLIC_URL: 'https://verdicts.example.org',
    MAILING_ADDRESS: '1 Bench Street, 10115 Berlin, Germany',
    TOKEN_SECRET: 'bench-token-secret-0123456789',
    ADMIN_TOKEN: 'bench-admin-token-0123',
    EMAIL_FROM: 'Weekly AI Tool Verdicts <verdicts@example.org>',
    QUEUE_PREFIX: prefix,
    SEND_RATE: String(SEND_RATE),
    REQUIRE_APPROVAL: 'false',
    DATA_DIR: path.join(logDir, 'data'),
    LOG_LEVEL: 'info',
    ...(arg('node-options') ? { NODE_OPTIONS: arg('node-options')! } : {}),
  };
  const config = loadConfig(env);
  app = await openApp(config, { name: 'bench', logger: createLogger('warn', 'bench', 2) });

  say(`send-bench: ${fmt(N)} readers, ${BACKEND} backend, concurrency ${CONCURRENCY}, SEND_RATE ${SEND_RATE}, node ${process.version}, ${os.cpus().length} cores`);
  const entry = await processEntry(say);
  let t = performance.now();
  await importCatalogFile(app.db);
  await seedReaders(app, N);
  let rendered!: Awaited<ReturnType<typeof renderWeek>>;
  for (const p of PATHS) {
    await planWeek(app.db, app.log, p.week, { pairsPerIssue: config.pairsPerIssue });
    rendered = await renderWeek(app.db, app.log, p.week, config);
    await approveWeek(app.db, app.log, p.week, 'bench');
  }
  say(`setup: ${fmt(N)} readers seeded and the issue rendered (${fmt(Buffer.byteLength(rendered.html!) / 1024, 1)} KB HTML) in ${fmt((performance.now() - t) / 1000, 1)} s`);

  t = performance.now();
  const before = await measureCeiling(app, provider);
  if (flag('ceiling-only')) {
    const ceiling = before;
    say(JSON.stringify({ bench: 'ceiling', concurrency: CONCURRENCY, emailsPerSecond: round(ceiling.rate, 1), clientCpuPer1k: round(ceiling.clientCpuPer1k, 4), providerCpuPer1k: round(ceiling.providerCpuPer1k, 4), machineBusyCores: round(ceiling.machineBusyCores, 2), rssMb: round(process.memoryUsage().rss / 1e6, 0) }));
  } else {
  const pipelines = [];
  for (const p of PATHS) pipelines.push(ONLY.includes(p.label) ? await measurePipeline(app, env, provider, logDir, entry, p) : undefined);
  const [inline, templated] = pipelines as [Pipeline | undefined, Pipeline | undefined];
  // The ceiling again, after the pipelines: other load on the machine comes and goes, so the ratio is
  // taken against the better of the two measurements (the less flattering one for the pipelines).
  const after = await measureCeiling(app, provider);
  const ceiling = after.rate > before.rate ? after : before;
  const ratio = (p: Pipeline) => p.rate / ceiling.rate;
  const peakRss = (p: Pipeline) => Math.max(...p.workers.map((w) => w.peakRssMb));
  const both = (f: (p: Pipeline) => string) => `${inline ? f(inline) : '—'} | ${templated ? f(templated) : '—'}`;

  say('');
  say(`| measure | transport ceiling (bare SDK loop, inline HTML) | pipeline, inline | pipeline, template |`);
  say(`| --- | ---: | ---: | ---: |`);
  say(`| emails | ${fmt(ceiling.emails)} | ${both((p) => fmt(p.emails))} |`);
  say(`| wall time | ${fmt(ceiling.seconds, 1)} s | ${both((p) => `${fmt(p.seconds, 1)} s (fan-out done at ${fmt(p.fanOutSeconds, 1)} s)`)} |`);
  say(`| emails/s | ${fmt(ceiling.rate)} (before ${fmt(before.rate)}, after ${fmt(after.rate)}) | ${both((p) => `${fmt(p.rate)} end to end; ${fmt(p.steadyRate)} steady`)} |`);
  say(`| ratio pipeline / ceiling | | ${inline ? fmt(ratio(inline), 2) : '—'} | ${templated ? `**${fmt(ratio(templated), 2)}** (target ≥ 2)` : '—'} |`);
  say(`| request bytes per email | ${fmt(ceiling.bytesPerEmail)} | ${both((p) => fmt(p.bytesPerEmail))} |`);
  say(`| machine busy (of ${os.cpus().length} cores) | ${fmt(ceiling.machineBusyCores, 2)} | ${both((p) => fmt(p.machineBusyCores, 2))} |`);
  say(`| provider CPU s / 1,000 emails | ${fmt(ceiling.providerCpuPer1k, 3)} | ${both((p) => fmt(p.providerCpuPer1k, 3))} |`);
  say(`| sender CPU s / 1,000 emails | ${fmt(ceiling.clientCpuPer1k, 3)} (bare loop) | ${both((p) => fmt(p.workers.find((w) => w.name === 'sender')!.cpuPer1k, 3))} |`);
  say(`| fan-out worker CPU s / 1,000 emails | | ${both((p) => fmt(p.workers.find((w) => w.name !== 'sender')!.cpuPer1k, 3))} |`);
  say(`| postgres CPU s / 1,000 emails | | ${both((p) => fmt(p.postgresCpuPer1k, 3))} |`);
  if (BACKEND === 'redis') say(`| redis-server CPU s / 1,000 emails | | ${both((p) => fmt(p.redisCpuPer1k, 3))} |`);
  say(`| peak RSS, sender | | ${both((p) => `${fmt(p.workers.find((w) => w.name === 'sender')!.peakRssMb)} MB`)} |`);
  say(`| peak RSS, fan-out worker | | ${both((p) => `${fmt(p.workers.find((w) => w.name !== 'sender')!.peakRssMb)} MB`)} |`);
  say(`| batch p50 / p99 (claim → provider → marked sent) | | ${both((p) => `${p.batchMsP50} / ${p.batchMsP99} ms`)} |`);
  say('');
  for (const p of pipelines) if (p) say(`exactly once (${p.label}): ${p.exactlyOnce ? 'yes' : 'NO'} (provider: ${fmt(p.provider.distinctRecipients)} distinct recipients, ${p.provider.duplicateRecipients} duplicates; ledger: sent ${fmt(p.counts.sent)}, pending ${p.counts.pending})`);
  const targets = templated ? { ratio: ratio(templated) >= 2, bytes: templated.bytesPerEmail <= 1024, rss: peakRss(templated) <= 160 } : null;
  if (templated && targets) say(`targets (template path): ≥ 2× the ceiling ${targets.ratio ? 'met' : 'MISSED'} (${fmt(ratio(templated), 2)}); ≤ 1 KB per email ${targets.bytes ? 'met' : 'MISSED'} (${fmt(templated.bytesPerEmail)} B); every worker ≤ 160 MB ${targets.rss ? 'met' : 'MISSED'} (${fmt(peakRss(templated))} MB)`);
  say(`load average at the start ${loadAtStart}, at the end ${loadavg()} (of ${os.cpus().length} cores: above ~1 other work shared the machine and the figures are low)`);
  say(`total bench time ${fmt((Date.now() - started) / 1000)} s; ${flag('keep-logs') ? `worker logs in ${logDir}` : 'worker logs removed (--keep-logs keeps them)'}`);
  const figures = (p: Pipeline) => ({
    emails: p.emails,
    seconds: round(p.seconds, 2),
    emailsPerSecond: round(p.rate, 1),
    steadyEmailsPerSecond: round(p.steadyRate, 1),
    ratio: round(ratio(p), 3),
    bytesPerEmail: round(p.bytesPerEmail, 0),
    fanOutSeconds: round(p.fanOutSeconds, 2),
    workers: p.workers.map((w) => ({ name: w.name, cpuSeconds: round(w.cpuSeconds, 2), cpuPer1k: round(w.cpuPer1k, 4), peakRssMb: round(w.peakRssMb, 1) })),
    postgresCpuPer1k: round(p.postgresCpuPer1k, 4),
    redisCpuPer1k: round(p.redisCpuPer1k, 4),
    providerCpuPer1k: round(p.providerCpuPer1k, 4),
    senderMemoryPeaksMb: p.senderMemoryPeaksMb,
    batchMsP50: p.batchMsP50,
    batchMsP99: p.batchMsP99,
    exactlyOnce: p.exactlyOnce,
    peakWorkerRssMb: round(peakRss(p), 1),
  });
  const json = {
    bench: 'send',
    subscribers: N,
    backend: BACKEND,
    concurrency: CONCURRENCY,
    processes: entry ? 'build' : 'source',
    loadAverage: { start: loadAtStart, end: loadavg() },
    ceiling: { before: round(before.rate, 1), after: round(after.rate, 1), emails: ceiling.emails, seconds: round(ceiling.seconds, 2), emailsPerSecond: round(ceiling.rate, 1), bytesPerEmail: round(ceiling.bytesPerEmail, 0), clientCpuPer1k: round(ceiling.clientCpuPer1k, 4), providerCpuPer1k: round(ceiling.providerCpuPer1k, 4) },
    inline: inline ? figures(inline) : null,
    template: templated ? figures(templated) : null,
    targets,
  };
  if (pipelines.some((p) => p && !p.exactlyOnce)) exitCode = 1;
  say(JSON.stringify(json));
  }
} catch (err) {
  process.stderr.write(`send-bench failed: ${(err as Error).stack ?? String(err)}\n`);
  exitCode = 1;
} finally {
  if (app) {
    for (const role of ['render', 'send', 'schedule'] as const) await app.queue(role).obliterate({ force: true }).catch(() => {});
    await app.close();
  }
  await provider?.stop();
  if (!flag('keep-db')) await database.drop().catch(() => {});
  // Kept after a failure, for its worker logs.
  if (exitCode === 0 && !flag('keep-logs')) rmSync(logDir, { recursive: true, force: true });
}
process.exit(exitCode);

function round(n: number, d: number): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}
