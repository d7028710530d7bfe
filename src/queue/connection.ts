// Opens BullMQ queues and workers on Redis when REDIS_URL is set, on a Redis Cluster when
// REDIS_CLUSTER_NODES is, else on BullMQ's PostgreSQL backend in the application's own database. Nothing
// else in the project knows which one is in use: every Redis client (queues, the send-rate gate, the
// signup rate limit) comes from connectRedis() here.
import { Queue, Worker, createPostgresBackend, runMigrations, type Processor, type WorkerOptions, type QueueOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import type { ReportConnectionError } from '../connection-errors.js';
import { redactUrl, type Db } from '../db/pool.js';

export type QueueBackendKind = 'redis' | 'postgres';
// Queues and workers on either backend; callers use only the backend-independent API.
export type AppQueue = Queue<any, any, string, any, any, string, any, any>;
export type AppWorker = Worker<any, any, string, any, any, any>;

/** Where Redis is: one server, or the nodes of a cluster. */
export type RedisTarget = { url: string } | { clusterNodes: Array<{ host: string; port: number }> };
export type RedisClient = Redis | Cluster;

/** The configured Redis, or undefined when the queues run on Postgres. */
export function redisTargetOf(config: { redisUrl?: string; redisClusterNodes?: Array<{ host: string; port: number }> }): RedisTarget | undefined {
  if (config.redisUrl) return { url: config.redisUrl };
  if (config.redisClusterNodes?.length) return { clusterNodes: config.redisClusterNodes };
  return undefined;
}

export function describeRedis(target: RedisTarget): string {
  return 'url' in target ? `Redis ${redactUrl(target.url)}` : `Redis Cluster ${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** One client on the configured Redis. On a cluster, `options` apply to each node's connection; every key
 * a caller uses must carry the queue prefix's {hash tag} so that a script's keys share one slot. */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if ('url' in target) return new Redis(target.url, options);
  return new Cluster(target.clusterNodes, {
    redisOptions: options,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    // After a master fails, its replica takes over within the cluster's node timeout; until then commands
    // for its slots answer CLUSTERDOWN or fail to connect: retry them instead of failing the job.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
  });
}

/** Fails start-up if a table or function of ours would hide one of BullMQ's from its commands on the
 * shared pool (search_path public,bullmq): a clear line instead of queue errors later. */
export async function assertNoShadowedQueueNames(db: Db): Promise<void> {
  const { rows } = await db.query<{ name: string }>(`
    SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace
      AND relname IN (SELECT relname FROM pg_class WHERE relnamespace = 'bullmq'::regnamespace)
    UNION SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
      AND proname IN (SELECT proname FROM pg_proc WHERE pronamespace = 'bullmq'::regnamespace)`);
  if (rows.length) throw new Error(`public schema objects ${rows.map((r) => r.name).join(', ')} hide BullMQ's of the same name from its PostgreSQL backend: rename them`);
}

export interface QueueConnection {
  kind: QueueBackendKind;
  describe: string;
  queue(name: string): AppQueue;
  worker(name: string, processor: Processor, opts: Omit<WorkerOptions, 'connection'>): AppWorker;
  /** Closes every queue this connection opened (workers are closed by their owners first). */
  close(): Promise<void>;
}

const redisOpts = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;

/**
 * A Redis client for the app's own keys outside BullMQ (shared web limits), on the configured server or
 * cluster. Errors are the caller's to handle per command; the client reconnects by itself.
 */
export function openRedis(target: RedisTarget, opts: { commandTimeoutMs?: number } = {}): RedisClient {
  const r = connectRedis(target, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: opts.commandTimeoutMs });
  r.on('error', () => {});
  return r;
}

/** Fails fast with one line when Redis (or the cluster) does not answer, instead of retrying forever. */
export async function assertRedisReachable(target: RedisTarget): Promise<void> {
  const probeOpts = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 } as const;
  const probe: RedisClient =
    'url' in target
      ? new Redis(target.url, probeOpts)
      : new Cluster(target.clusterNodes, { lazyConnect: true, redisOptions: probeOpts, clusterRetryStrategy: () => null, enableOfflineQueue: true });
  let firstError: Error | undefined;
  probe.on('error', (err) => (firstError ??= err));
  try {
    await probe.connect();
    if (probe instanceof Cluster) {
      const info = String(await probe.cluster('INFO'));
      if (!/cluster_state:ok/.test(info)) throw new Error(`cluster state is not ok (${/cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown'})`);
    } else {
      await probe.ping();
    }
  } catch (err) {
    const reason = (err as Error).message.startsWith('cluster state') ? (err as Error).message : (firstError ?? (err as Error)).message || 'connection refused';
    const where = 'url' in target ? `Redis at ${redactUrl(target.url)}` : `the Redis Cluster at ${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    throw new Error(`cannot reach ${where}: ${reason}`);
  } finally {
    probe.disconnect();
  }
}

/** Creates (or upgrades) BullMQ's PostgreSQL schema once, on a connection of its own as BullMQ requires,
 * so that the queues can then run on the process's shared pool. */
export async function prepareQueueSchema(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'verdicts-queue-migrate' });
  await client.connect();
  try {
    await runMigrations(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Queues on `redis` when given, else on the PostgreSQL backend; there they share `pool` (the process's own,
 * whose search_path must reach BullMQ's schema: see src/db/pool-budget.ts), each worker holding one of its
 * connections for LISTEN. */
export function openQueueConnection(opts: { redis?: RedisTarget; databaseUrl: string; pool?: Db; onError?: ReportConnectionError }): QueueConnection {
  const onError = opts.onError ?? (() => () => {});
  const queues = new Map<string, AppQueue>();
  const redisConnections: RedisClient[] = [];
  if (opts.redis) {
    const target = opts.redis;
    const connect = () => {
      const r = connectRedis(target, redisOpts);
      r.on('error', onError('redis')); // ioredis reconnects by itself: counted and logged, never fatal
      redisConnections.push(r);
      return r;
    };
    return {
      kind: 'redis',
      describe: describeRedis(target),
      queue(name) {
        const found = queues.get(name);
        if (found) return found;
        const q: AppQueue = new Queue(name, { connection: connect() } satisfies QueueOptions);
        q.on('error', onError('queue'));
        queues.set(name, q);
        return q;
      },
      worker(name, processor, wopts) {
        return new Worker(name, processor, { ...wopts, connection: connect() });
      },
      async close() {
        await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
        for (const r of redisConnections) r.disconnect();
      },
    };
  }
  // Without a shared pool (callers outside openApp), BullMQ builds its own, small one per queue and worker.
  const pgConnection = opts.pool ?? { connectionString: opts.databaseUrl, migrate: true, max: 3 };
  return {
    kind: 'postgres',
    describe: `BullMQ PostgreSQL backend in ${redactUrl(opts.databaseUrl)}`,
    queue(name) {
      const found = queues.get(name);
      if (found) return found;
      const q: AppQueue = new Queue(name, { connection: pgConnection }, createPostgresBackend);
      q.on('error', onError('queue'));
      queues.set(name, q);
      return q;
    },
    worker(name, processor, wopts) {
      return new Worker(name, processor, { ...wopts, connection: pgConnection }, createPostgresBackend);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
    },
  };
}
