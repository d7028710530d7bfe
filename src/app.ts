// The application context of one process: config, database, queues, mailer, logger.
// Built explicitly by each entry point; nothing starts on import.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { assertReachable, createPool, type Db } from './db/pool.js';
import { createLogger } from './log.js';
import {
  assertNoShadowedQueueNames,
  assertRedisReachable,
  connectRedis,
  openQueueConnection,
  prepareQueueSchema,
  redisTargetOf,
  type AppQueue,
  type QueueConnection,
  type RedisClient,
} from './queue/connection.js';
import { defaultPoolMax, listenConnections, QUEUE_SEARCH_PATH, WEB_APP_POOL, type ProcessPart } from './db/pool-budget.js';
import { connectionErrorReporter } from './connection-errors.js';
import { queueName, type QueueRole } from './queue/jobs.js';
import type { Mailer } from './delivery/mailer.js';
import { ResendMailer } from './delivery/resend-mailer.js';
import { OutboxMailer } from './delivery/outbox-mailer.js';
import { postgresRateGate, redisRateGate, type RateGate } from './delivery/rate-gate.js';
import { IssueTemplates } from './delivery/issue-templates.js';
import { createProcessState, type ProcessState } from './process-state.js';

export interface App {
  config: Config;
  databaseUrl: string;
  db: Db;
  /** Postgres connections this process may open in all (DATABASE_POOL_MAX or its role's default). */
  dbBudget: number;
  /** The admin pages' own small pool (web processes; src/web/server.ts). Unset: they use `db`. */
  adminDb?: Db;
  log: Logger;
  queues: QueueConnection;
  queuePrefix: string;
  mailer: Mailer;
  /** Spaces provider requests across every sender process to SEND_RATE. */
  sendGate: RateGate;
  /** Each issue stored at the provider once (RESEND_TEMPLATES); inline without a provider or with it off. */
  issueTemplates: IssueTemplates;
  /** What this process remembers between jobs (caches, the sender's flags). */
  state: ProcessState;
  queue(role: QueueRole): AppQueue;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The database URL when DATABASE_URL is unset (npm start's embedded Postgres). */
  databaseUrl?: string;
  queuePrefix?: string;
  migrate?: boolean;
  name?: string;
  /** The roles this process runs: they set its default pool size (src/db/pool-budget.ts). */
  parts?: ProcessPart[];
  /** Pool size when DATABASE_POOL_MAX is unset and no roles are given. */
  poolSize?: number;
  logger?: Logger;
}

/** Opens every connection the process needs, failing with one line when one is unreachable. */
export async function openApp(config: Config, opts: OpenOptions = {}): Promise<App> {
  const databaseUrl = config.databaseUrl ?? opts.databaseUrl;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (only `npm start` runs an embedded Postgres by itself)');
  const log = opts.logger ?? createLogger(config.logLevel, opts.name ?? 'verdicts');
  const reportError = connectionErrorReporter(log);
  const redis = redisTargetOf(config);
  const backend = redis ? 'redis' : 'postgres';
  const parts = opts.parts ?? [];
  const listening = listenConnections(parts, backend);
  const poolMax = config.databasePoolMax ?? opts.poolSize ?? (parts.length ? defaultPoolMax(parts, backend) : 10);
  if (poolMax < listening + 2) {
    throw new Error(`DATABASE_POOL_MAX=${poolMax} is too small for ${parts.join('+')} on the PostgreSQL queue backend: its workers hold ${listening} connection(s) for LISTEN; set at least ${listening + 2}`);
  }
  // A web-only process spends most of its budget on the web's own pools (withWebPools in src/web/server.ts).
  const webOnly = parts.length === 1 && parts[0] === 'web';
  const db = createPool(databaseUrl, { max: webOnly ? Math.min(WEB_APP_POOL, poolMax) : poolMax, name: opts.name ?? 'verdicts', searchPath: redis ? undefined : QUEUE_SEARCH_PATH, onError: reportError('postgres') });
  try {
    await assertReachable(db, databaseUrl);
    if (opts.migrate) await (await import('./db/migrate.js')).migrate(databaseUrl, (m) => log.debug(m));
    if (redis) await assertRedisReachable(redis);
    else {
      await prepareQueueSchema(databaseUrl);
      await assertNoShadowedQueueNames(db);
    }
  } catch (err) {
    await db.end().catch(() => {});
    throw err;
  }
  const queues = openQueueConnection({ redis, databaseUrl, pool: redis ? undefined : db, onError: reportError });
  const queuePrefix = opts.queuePrefix ?? config.queuePrefix;
  const mailer: Mailer = config.resendApiKey ? new ResendMailer(config.resendApiKey, config.resendBaseUrl) : new OutboxMailer(db);
  let gateRedis: RedisClient | undefined;
  let sendGate: RateGate;
  if (redis) {
    gateRedis = connectRedis(redis, { maxRetriesPerRequest: null });
    gateRedis.on('error', reportError('rate-gate'));
    sendGate = redisRateGate(gateRedis, queuePrefix, config.sendRate);
  } else {
    sendGate = postgresRateGate(db, queuePrefix, config.sendRate);
  }
  return {
    config,
    databaseUrl,
    db,
    dbBudget: poolMax,
    log,
    queues,
    queuePrefix,
    mailer,
    sendGate,
    issueTemplates: new IssueTemplates({ db, provider: mailer.templates, enabled: config.resendTemplates, gate: sendGate, log }),
    state: createProcessState(),
    queue: (role) => queues.queue(queueName(queuePrefix, role)),
    async close() {
      await queues.close();
      gateRedis?.disconnect();
      await db.end().catch(() => {});
    },
  };
}
