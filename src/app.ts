// The application context of one process: config, database, queues, mailer, logger.
// Built explicitly by each entry point; nothing starts on import.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { assertReachable, createPool, type Db } from './db/pool.js';
import { createLogger } from './log.js';
import { assertRedisReachable, openQueueConnection, type AppQueue, type QueueConnection } from './queue/connection.js';
import { queueName, type QueueRole } from './queue/jobs.js';
import type { Mailer } from './delivery/mailer.js';
import { ResendMailer } from './delivery/resend-mailer.js';
import { OutboxMailer } from './delivery/outbox-mailer.js';
import { postgresRateGate, redisRateGate, type RateGate } from './delivery/rate-gate.js';
import { Redis } from 'ioredis';

export interface App {
  config: Config;
  databaseUrl: string;
  db: Db;
  /** The admin pages' own small pool (web processes; src/web/server.ts). Unset: they use `db`. */
  adminDb?: Db;
  log: Logger;
  queues: QueueConnection;
  queuePrefix: string;
  mailer: Mailer;
  /** Spaces provider requests across every sender process to SEND_RATE. */
  sendGate: RateGate;
  queue(role: QueueRole): AppQueue;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The database URL when DATABASE_URL is unset (npm start's embedded Postgres). */
  databaseUrl?: string;
  queuePrefix?: string;
  migrate?: boolean;
  name?: string;
  poolSize?: number;
  logger?: Logger;
}

/** Opens every connection the process needs, failing with one line when one is unreachable. */
export async function openApp(config: Config, opts: OpenOptions = {}): Promise<App> {
  const databaseUrl = config.databaseUrl ?? opts.databaseUrl;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (only `npm start` runs an embedded Postgres by itself)');
  const log = opts.logger ?? createLogger(config.logLevel, opts.name ?? 'verdicts');
  const db = createPool(databaseUrl, { max: opts.poolSize ?? 10, name: opts.name ?? 'verdicts' });
  try {
    await assertReachable(db, databaseUrl);
    if (opts.migrate) await (await import('./db/migrate.js')).migrate(databaseUrl, (m) => log.debug(m));
    if (config.redisUrl) await assertRedisReachable(config.redisUrl);
  } catch (err) {
    await db.end().catch(() => {});
    throw err;
  }
  const queues = openQueueConnection({ redisUrl: config.redisUrl, databaseUrl });
  const queuePrefix = opts.queuePrefix ?? config.queuePrefix;
  const mailer: Mailer = config.resendApiKey ? new ResendMailer(config.resendApiKey, config.resendBaseUrl) : new OutboxMailer(db);
  let gateRedis: Redis | undefined;
  let sendGate: RateGate;
  if (config.redisUrl) {
    gateRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    gateRedis.on('error', () => {});
    sendGate = redisRateGate(gateRedis, queuePrefix, config.sendRate);
  } else {
    sendGate = postgresRateGate(db, queuePrefix, config.sendRate);
  }
  return {
    config,
    databaseUrl,
    db,
    log,
    queues,
    queuePrefix,
    mailer,
    sendGate,
    queue: (role) => queues.queue(queueName(queuePrefix, role)),
    async close() {
      await queues.close();
      gateRedis?.disconnect();
      await db.end().catch(() => {});
    },
  };
}
