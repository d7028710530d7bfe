// Counters every web process shares: login failures (and their back-off) and the per-IP signup limit.
// Nothing a limit depends on lives in one process's memory, or a second web process would double it.
// On Redis when REDIS_URL is set, else in Postgres (the unlogged web_counters table).
import type { Queryable } from '../db/pool.js';
import { openRedis, redisTargetOf, type RedisClient } from '../queue/connection.js';

export interface Count {
  count: number;
  /** Milliseconds until the window (or the block) ends. */
  ttlMs: number;
}

export interface WebCounters {
  kind: 'redis' | 'postgres';
  /** Adds one to `key`; a key past its window starts again at 1 with a new window of `windowMs`. */
  hit(key: string, windowMs: number): Promise<Count>;
  /** Sets `key` for `ms` from now (a block), keeping a longer one already there. */
  hold(key: string, ms: number): Promise<void>;
  /** The longest remaining time among `keys` (0 when none is live). */
  remaining(keys: string[]): Promise<number>;
  clear(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

// INCR and the window's expiry in one step, so two processes never both start a window.
const HIT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;
const HOLD = `local t = redis.call('PTTL', KEYS[1])
if t < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

export function redisCounters(redis: RedisClient, prefix: string): WebCounters {
  const k = (key: string) => `${prefix}:web:${key}`;
  return {
    kind: 'redis',
    async hit(key, windowMs) {
      const [count, ttl] = (await redis.eval(HIT, 1, k(key), String(windowMs))) as [number, number];
      return { count, ttlMs: ttl };
    },
    async hold(key, ms) {
      await redis.eval(HOLD, 1, k(key), String(Math.max(1, Math.ceil(ms))));
    },
    async remaining(keys) {
      const ttls = await Promise.all(keys.map((key) => redis.pttl(k(key))));
      return Math.max(0, ...ttls);
    },
    async clear(keys) {
      if (keys.length) await redis.del(...keys.map(k));
    },
    async close() {
      redis.disconnect();
    },
  };
}

const sql = String.raw;
const PG = {
  hit: sql`
    INSERT INTO web_counters AS c (key, count, expires_at) VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.count + 1 END,
      expires_at = CASE WHEN c.expires_at <= now() THEN EXCLUDED.expires_at ELSE c.expires_at END
    RETURNING count, greatest(0, ceil(extract(epoch FROM expires_at - now()) * 1000))::bigint AS ttl`,
  hold: sql`
    INSERT INTO web_counters AS c (key, count, expires_at) VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
    ON CONFLICT (key) DO UPDATE SET expires_at = greatest(c.expires_at, EXCLUDED.expires_at)`,
  remaining: sql`
    SELECT coalesce(max(ceil(extract(epoch FROM expires_at - now()) * 1000)), 0)::bigint AS ttl
    FROM web_counters WHERE key = ANY($1::text[]) AND expires_at > now()`,
  clear: sql`DELETE FROM web_counters WHERE key = ANY($1::text[])`,
  // Expired rows are only garbage: removed now and then by whichever process is counting.
  prune: sql`DELETE FROM web_counters WHERE expires_at < now() - interval '10 minutes'`,
};

export function postgresCounters(db: Queryable, prefix: string): WebCounters {
  const k = (key: string) => `${prefix}:${key}`;
  return {
    kind: 'postgres',
    async hit(key, windowMs) {
      if (Math.random() < 0.01) await db.query(PG.prune);
      const row = (await db.query<{ count: number; ttl: string }>(PG.hit, [k(key), windowMs])).rows[0]!;
      return { count: row.count, ttlMs: Number(row.ttl) };
    },
    async hold(key, ms) {
      await db.query(PG.hold, [k(key), Math.max(1, Math.ceil(ms))]);
    },
    async remaining(keys) {
      return Number((await db.query<{ ttl: string }>(PG.remaining, [keys.map(k)])).rows[0]!.ttl);
    },
    async clear(keys) {
      await db.query(PG.clear, [keys.map(k)]);
    },
    async close() {},
  };
}

/** The counters of one web process, on the app's Redis when it has one. */
export function openWebCounters(app: { config: Parameters<typeof redisTargetOf>[0]; db: Queryable; queuePrefix: string }): WebCounters {
  const target = redisTargetOf(app.config);
  if (target) return redisCounters(openRedis(target, { commandTimeoutMs: 2000 }), app.queuePrefix);
  return postgresCounters(app.db, app.queuePrefix);
}

/**
 * A store for @fastify/rate-limit on these counters: the signup limit holds across every web process.
 * The plugin makes one with `new Store(options)` and calls `child()` per route.
 */
export function rateLimitStore(counters: WebCounters, namespace: string) {
  return class SharedRateLimitStore {
    incr(key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counters.hit(`${namespace}:${key}`, timeWindow).then(
        (c) => cb(null, { current: c.count, ttl: c.ttlMs }),
        (err: Error) => cb(err),
      );
    }
    child(): SharedRateLimitStore {
      return this;
    }
  };
}
