// Opens BullMQ queues and workers on Redis when REDIS_URL is set, else on BullMQ's PostgreSQL backend
// in the application's own database. Nothing else in the project knows which one is in use.
import { Queue, Worker, createPostgresBackend, type Processor, type WorkerOptions, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ReportConnectionError } from '../connection-errors.js';
import { redactUrl } from '../db/pool.js';

export type QueueBackendKind = 'redis' | 'postgres';
// Queues and workers on either backend; callers use only the backend-independent API.
export type AppQueue = Queue<any, any, string, any, any, string, any, any>;
export type AppWorker = Worker<any, any, string, any, any, any>;

export interface QueueConnection {
  kind: QueueBackendKind;
  describe: string;
  queue(name: string): AppQueue;
  worker(name: string, processor: Processor, opts: Omit<WorkerOptions, 'connection'>): AppWorker;
  /** Closes every queue this connection opened (workers are closed by their owners first). */
  close(): Promise<void>;
}

const redisOpts = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;

/** Fails fast with one line when Redis does not answer, instead of retrying forever. */
export async function assertRedisReachable(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  let firstError: Error | undefined;
  probe.on('error', (err) => (firstError ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = (firstError ?? (err as Error)).message || 'connection refused';
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${reason}`);
  } finally {
    probe.disconnect();
  }
}

export function openQueueConnection(opts: { redisUrl?: string; databaseUrl: string; onError?: ReportConnectionError }): QueueConnection {
  const onError = opts.onError ?? (() => () => {});
  const queues = new Map<string, AppQueue>();
  const redisConnections: Redis[] = [];
  if (opts.redisUrl) {
    const url = opts.redisUrl;
    const connect = () => {
      const r = new Redis(url, redisOpts);
      r.on('error', onError('redis')); // ioredis reconnects by itself: counted and logged, never fatal
      redisConnections.push(r);
      return r;
    };
    return {
      kind: 'redis',
      describe: `Redis ${redactUrl(url)}`,
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
  const pgConnection = { connectionString: opts.databaseUrl, migrate: true, max: 5 };
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
