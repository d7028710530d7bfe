// `npm run bench -- --signup [--connections C] [--seconds S] [--node-options "…"] [--known-address]`
// (--node-options: NODE_OPTIONS of the web process; --known-address: see below): POST /subscribe under load, beside a trivial
// route (GET /healthz) of the same web process, in the same run.
//
// The web process is the real one (`verdicts web`, i.e. buildServer + listen) on a fresh database, with
// Redis for the rate-limit store and the queues. Beside it runs a real send worker (`verdicts worker send`),
// which sends the confirmation emails the signups queued, 100 per provider request, to the fake provider
// (its own process, no rate limit). autocannon drives the web process from this process. After the load the
// bench waits (bounded) for the queue to drain and reports how many confirmations the provider accepted
// against the readers the signups created: all must arrive, once each.
//
// The per-IP signup limit (20 per 10 minutes, src/web/site.ts) would turn all but 20 requests into 429s.
// The bench does not raise or switch off that limit: it runs the web process with TRUST_PROXY=true and
// gives every request its own X-Forwarded-For address and its own email address, as if each signup came
// from a different reader. So each request still pays for the full limit check in Redis, the upsert that
// asks for the confirmation, and the queue add that wakes the confirmation job; the email's render and its
// provider request are the worker's, on the same machine.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { migrate } from '../../src/db/migrate.js';
import { ADMIN_URL, TEST_REDIS_URL } from '../support/db.js';
import { startFakeResendProcess } from '../support/fake-resend-process.js';
import { startVerdicts } from '../support/processes.js';
import { freePort } from '../support/ports.js';
import { arg, flag, processEntry } from './args.js';

const CONNECTIONS = Number(arg('connections') ?? 10);
const SECONDS = Number(arg('seconds') ?? 10);
// The worker's provider requests per second (the fake has no limit). At 10, with 100 readers per request,
// the worker can send 1,000 confirmations a second: more than the web process takes signups.
const SEND_RATE = '10';
/** How long the queue may take to drain after the load before the run counts as missing confirmations. */
const DRAIN_TIMEOUT_MS = 120_000;
const say = (s: string) => process.stdout.write(s + '\n');
const entry = await processEntry(say);


interface Run {
  route: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, route: string, opts: Partial<autocannon.Options>): Promise<Run> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...opts });
  return {
    route,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** The rate-limit and queue keys this run left in the shared Redis. */
async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for (const pattern of [`${prefix}:*`, `bull:${prefix}-*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

const name = `verdicts_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = '/' + name;
const provider = await startFakeResendProcess();
const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-signup-bench-'));
let web: ReturnType<typeof startVerdicts> | undefined;
let worker: ReturnType<typeof startVerdicts> | undefined;
const prefix = `bench-${randomBytes(3).toString('hex')}`;
let failed = false;
try {
  await migrate(dbUrl.toString());
  const port = await freePort();
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
    RESEND_API_KEY: 're_bench_key',
    RESEND_BASE_URL: provider.url,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    MAILING_ADDRESS: '1 Bench Street, 10115 Berlin, Germany',
    TOKEN_SECRET: 'bench-token-secret-0123456789',
    ADMIN_TOKEN: 'bench-admin-token-0123',
    EMAIL_FROM: 'Weekly AI Tool Verdicts <verdicts@example.org>',
    QUEUE_PREFIX: prefix,
    TRUST_PROXY: 'true',
    DATA_DIR: path.join(logDir, 'data'),
    SEND_RATE,
  };
  web = startVerdicts('web', ['web'], { ...env, LOG_LEVEL: 'warn', ...(arg('node-options') ? { NODE_OPTIONS: arg('node-options')! } : {}) }, path.join(logDir, 'web.log'), { entry });
  worker = startVerdicts('worker send', ['worker', 'send'], { ...env, LOG_LEVEL: 'info' }, path.join(logDir, 'worker-send.log'), { entry });
  await worker.waitForLog('workers started');
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (!web.alive() || i > 300) throw new Error(`the web process did not come up (see ${web.logFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }

  let seq = 0;
  const run = `${Date.now().toString(36)}`;
  const signup: Partial<autocannon.Options> = {
    requests: [
      {
        method: 'POST',
        path: '/subscribe',
        setupRequest: (req) => {
          const n = seq++;
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              // One reader per request: a different address behind the (trusted) proxy, a new email.
              'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            },
            // --known-address (a diagnostic): the same address every time, already pending, so the route
            // answers as usual but sends no confirmation (at most one per ten minutes).
            body: JSON.stringify({ email: flag('known-address') ? `load-${run}-known@example.net` : `load-${run}-${n}@example.net`, name: `Reader ${n}` }),
          };
        },
      },
    ],
  };
  // Warm-up of both routes (JIT, connection pools, the confirmation email's first render).
  await load(url, 'warm-up', { duration: 2 });
  await load(url, 'warm-up', { ...signup, duration: 2 });

  const trivial = await load(url, 'GET /healthz', {});
  const signups = await load(url, 'POST /subscribe', signup);
  const ratio = signups.requestsPerSecond / trivial.requestsPerSecond;

  // The queue drains: every reader the signups created (warm-up included) is owed nothing any more.
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  const loadEnded = Date.now();
  const counts = async () =>
    (
      await db.query<{ pending: number; owed: number }>(
        `SELECT count(*)::int AS pending, count(*) FILTER (WHERE confirm_requested_at IS NOT NULL)::int AS owed
         FROM subscribers WHERE email LIKE $1 AND status = 'pending'`,
        [`load-${run}-%`],
      )
    ).rows[0]!;
  let drained = await counts();
  while (drained.owed > 0 && Date.now() - loadEnded < DRAIN_TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 200));
    drained = await counts();
  }
  const drainSeconds = (Date.now() - loadEnded) / 1000;
  await db.end();
  const pending = drained.pending;
  const { stats } = await provider.control({ op: 'stats' });
  const allArrived = drained.owed === 0 && stats.accepted === pending && stats.duplicateRecipients === 0;

  say(`signup-bench: ${CONNECTIONS} connections, ${SECONDS} s per route, web process on ${os.cpus().length} cores, node ${process.version}`);
  say('');
  say('| route | requests/s | p50 | p99 | requests | errors | non-2xx |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of [trivial, signups]) say(`| ${r.route} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${r.total} | ${r.errors} | ${r.non2xx} |`);
  say('');
  say(`ratio signup / trivial: ${ratio.toFixed(2)} (target ≥ 0.30); signup p99 ${signups.p99} ms (target < 50 ms)`);
  say(
    `pending readers created: ${pending}; confirmation emails accepted by the provider: ${stats.accepted} ` +
      `(${stats.duplicateRecipients} duplicates) in ${stats.acceptedRequests} provider requests; ` +
      `${drained.owed === 0 ? `queue drained ${drainSeconds.toFixed(1)} s after the load` : `${drained.owed} still owed after ${DRAIN_TIMEOUT_MS / 1000} s`} ` +
      `(send worker: SEND_RATE ${SEND_RATE})`,
  );
  const ok = ratio >= 0.3 && signups.p99 < 50 && signups.errors === 0 && signups.non2xx === 0 && trivial.errors === 0 && allArrived;
  say(`targets: ${ok ? 'met' : 'MISSED'}`);
  say(JSON.stringify({
    bench: 'signup',
    connections: CONNECTIONS,
    seconds: SECONDS,
    trivial,
    signup: signups,
    ratio: Math.round(ratio * 1000) / 1000,
    pendingReaders: pending,
    confirmationsAccepted: stats.accepted,
    confirmationDuplicates: stats.duplicateRecipients,
    confirmationRequests: stats.acceptedRequests,
    drainSeconds: drained.owed === 0 ? Math.round(drainSeconds * 10) / 10 : null,
    targets: { ratio: ratio >= 0.3, p99: signups.p99 < 50, noErrors: signups.errors === 0 && signups.non2xx === 0, allConfirmationsArrived: allArrived },
  }));
} catch (err) {
  process.stderr.write(`signup-bench failed: ${(err as Error).stack ?? String(err)}\n`);
  failed = true;
} finally {
  await web?.kill('SIGTERM');
  await worker?.kill('SIGTERM');
  await provider.stop();
  await dropKeys(process.env.REDIS_URL ?? TEST_REDIS_URL, prefix).catch(() => {});
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}
process.exitCode = failed ? 1 : 0;
