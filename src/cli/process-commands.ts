// The long-running processes: `verdicts web | worker | scheduler`, and `npm start`, which runs them all
// in one process on the embedded defaults. Each shuts down gracefully on SIGTERM / SIGINT.
import { loadConfig } from '../config.js';
import { openApp, type App } from '../app.js';
import type { EmbeddedDatabase } from '../db/embedded.js';
import { createLogger } from '../log.js';
import { startMetricsServer, watchAppQueues } from '../metrics.js';
import { startScheduler, startWorkers } from '../../workers/start.js';
import { rememberDevDatabase } from './context.js';
import { isoWeekOf } from '../issues/week.js';
import type { ProcessPart } from '../db/pool-budget.js';

type Part = ProcessPart;

const SAMPLE_READERS = [
  ['ada@example.com', 'Ada'],
  ['grace@example.com', 'Grace'],
  ['linus@example.com', 'Linus'],
  ['margaret@example.com', 'Margaret'],
  ['ken@example.com', 'Ken'],
];

/** A fresh database gets the sample catalog and a few confirmed sample readers, so a send works at once. */
async function seedIfEmpty(app: App): Promise<void> {
  const { rows } = await app.db.query<{ tools: number; subs: number }>(
    `SELECT (SELECT count(*) FROM tools)::int AS tools, (SELECT count(*) FROM subscribers)::int AS subs`,
  );
  if (rows[0]!.tools === 0) {
    const { importCatalogFile } = await import('../catalog/import.js');
    const c = await importCatalogFile(app.db);
    app.log.info(c, 'sample catalog loaded');
  }
  if (rows[0]!.subs === 0) {
    await app.db.query(
      `INSERT INTO subscribers (email, name, status, source, consent_at)
       SELECT e, n, 'active', 'sample', now() FROM unnest($1::text[], $2::text[]) AS s(e, n)`,
      [SAMPLE_READERS.map((r) => r[0]), SAMPLE_READERS.map((r) => r[1])],
    );
    app.log.info({ readers: SAMPLE_READERS.length }, 'sample readers added');
  }
}

export async function runProcess(parts: Part[], opts: { dev?: boolean } = {}): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, opts.dev ? 'verdicts' : `verdicts-${parts.join('+')}`);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    if (!opts.dev) throw new Error('DATABASE_URL is not set: production processes need a Postgres (only `npm start` embeds one)');
    const { startEmbeddedPostgres } = await import('../db/embedded.js');
    embedded = await startEmbeddedPostgres(config.dataDir, (m) => log.warn(m));
    rememberDevDatabase(config, embedded.url);
  }
  let app: App;
  try {
    app = await openApp(config, { databaseUrl: embedded?.url, migrate: Boolean(opts.dev), name: `verdicts-${parts.join('+')}`, parts, logger: log });
  } catch (err) {
    await embedded?.stop().catch(() => {});
    throw err;
  }
  if (opts.dev) await seedIfEmpty(app);

  const closers: Array<() => Promise<void>> = [];
  try {
    watchAppQueues(app);
    if (config.metricsPort !== undefined) {
      const m = await startMetricsServer(config.metricsPort);
      closers.push(() => m.close());
      log.info({ port: m.port }, 'metrics at GET /metrics');
    }
    const workerRoles = parts.filter((p): p is 'render' | 'send' => p === 'render' || p === 'send');
    if (workerRoles.length) {
      const w = startWorkers(app, workerRoles);
      closers.push(() => w.close());
    }
    if (parts.includes('scheduler')) {
      const s = await startScheduler(app);
      closers.push(() => s.close());
    }
    if (parts.includes('web')) {
      // Imported only here: a worker process does not load the web stack (~50 MB of resident memory).
      const { startWeb } = await import('../web/server.js');
      const web = await startWeb(app);
      closers.unshift(() => web.close()); // stop taking requests first
    }
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    await app.close();
    await embedded?.stop().catch(() => {});
    throw err;
  }

  if (opts.dev) {
    const week = isoWeekOf(new Date(), config.scheduleTz);
    const lines = [
      '',
      'Weekly AI Tool Verdicts is running.',
      `  Signup page:   ${config.publicUrl}/`,
      `  Admin:         ${config.publicUrl}/admin   (token: ${config.adminTokenGenerated ? config.adminToken : 'ADMIN_TOKEN'})`,
      `  Outbox:        ${config.publicUrl}/admin/outbox${config.resendApiKey ? ' (not used: RESEND_API_KEY is set)' : ''}`,
      `  Database:      ${embedded ? 'embedded Postgres under ' + config.dataDir + '/postgres' : 'DATABASE_URL'}; queues: ${app.queues.kind}`,
      `  Schedule:      "${config.scheduleCron}" ${config.scheduleTz}${config.requireApproval ? ' (waits for approval)' : ''}`,
      '',
      'Send this week\'s issue now, from another terminal:',
      `  npx verdicts send --week ${week} --wait`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      for (const close of closers) await close().catch((err) => log.warn({ err: (err as Error).message }, 'close failed'));
      await app.close();
      await embedded?.stop().catch(() => {});
      log.info('stopped');
      resolve(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
