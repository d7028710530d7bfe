// The long-running processes: `verdicts web | worker | scheduler`, and `npm start`, which runs them all
// in one process on the embedded defaults. Each shuts down gracefully on SIGTERM / SIGINT.
import { loadConfig, rememberDevServer } from '../config.js';
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
    const { addSampleReaders } = await import('../subscribers/import.js');
    await addSampleReaders(app.db, SAMPLE_READERS);
    app.log.info({ readers: SAMPLE_READERS.length }, 'sample readers added');
  }
}

export async function runProcess(parts: Part[], opts: { dev?: boolean } = {}): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, opts.dev ? 'verdicts' : `verdicts-${parts.join('+')}`, 1, { pretty: opts.dev });
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    if (!opts.dev) throw new Error('DATABASE_URL is not set: production processes need a Postgres (only `npm start` embeds one)');
    const { startEmbeddedPostgres } = await import('../db/embedded.js');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: (level, m) => log[level](m) });
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
      const web = await startWeb(app).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EADDRINUSE' ? new Error(`port ${config.port} (PORT) is in use by another program: set PORT to a free port`) : err;
      });
      closers.unshift(() => web.close()); // stop taking requests first
    }
  } catch (err) {
    for (const close of closers) await close().catch(() => {});
    await app.close();
    await embedded?.stop().catch(() => {});
    throw err;
  }

  if (opts.dev) {
    // The commands in other terminals (`npx verdicts send …`) then use this server's database (the
    // embedded one, or DATABASE_URL as given to npm start), links and queues.
    rememberDevDatabase(config, app.databaseUrl);
    rememberDevServer(config.dataDir, {
      databaseUrl: app.databaseUrl,
      publicUrl: config.publicUrl,
      port: config.port,
      redisUrl: config.redisUrl,
      queuePrefix: config.queuePrefix,
      pid: process.pid,
    });
    const week = isoWeekOf(new Date(), config.scheduleTz);
    const lines = [
      '',
      'Weekly AI Tool Verdicts is running.',
      `  Signup page:   ${config.publicUrl}/`,
      `  Admin:         ${config.publicUrl}/admin   (token: ${config.adminTokenGenerated ? config.adminToken : 'ADMIN_TOKEN'})`,
      `  Outbox:        ${config.publicUrl}/admin/outbox${config.resendApiKey ? ' (not used: RESEND_API_KEY is set)' : ''}`,
      `  Database:      ${embedded ? `embedded Postgres on port ${embedded.port}, files under ${embedded.dir}` : 'DATABASE_URL'}; queues: ${app.queues.kind}`,
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
    // In order: stop taking requests, let workers finish their in-flight jobs, close the queues and the
    // pool, and only then stop Postgres, so no connection is cut off. Within 10 s whatever happens.
    const stop = async (signal: string) => {
      stopping = true;
      log.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        log.warn('shutdown took over 9 s: stopping the rest now');
        void embedded?.stop().finally(() => resolve(0));
      }, 9_000);
      deadline.unref();
      for (const close of closers) await close().catch((err) => log.warn({ err: (err as Error).message }, 'close failed'));
      await app.close();
      await embedded?.stop().catch((err) => log.warn({ err: (err as Error).message }, 'embedded Postgres did not stop cleanly'));
      clearTimeout(deadline);
      log.info('stopped');
      resolve(0);
    };
    // `on`, not `once`: a Ctrl-C reaches both npm and us, and npm forwards it: a second signal while
    // stopping must not kill the process half-way. A third one (a person insisting) ends it at once.
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (!stopping) void stop(signal);
      else if (signals >= 3) {
        log.warn({ signal }, 'stopping at once');
        void (embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (opts.dev) {
      // npm killed outright (SIGKILL, a closed terminal) cannot forward a signal: once our parent is
      // gone we are re-parented, and stop as if told to, so no server or Postgres is left behind.
      const parent = process.ppid;
      const watch = setInterval(() => {
        if (process.ppid !== parent && !stopping) void stop('parent exited');
      }, 1000);
      watch.unref();
    }
  });
}