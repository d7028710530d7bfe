// The send-rate gate: every provider request, from every sender process, first reserves a slot.
// Slots are spaced evenly (GCRA: a shared "theoretical arrival time" moved forward by 1/rate per
// request), so no sliding second ever sees more than SEND_RATE requests at the provider. BullMQ's own
// limiter counts job starts in fixed windows; requests then reach the provider unevenly, which a
// provider measuring a sliding window can see as a burst of twice the rate.
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';

export interface RateGate {
  /** Waits for this process's next slot. */
  acquire(): Promise<void>;
  /** Everyone waits at least `ms` from now (the provider said so). */
  pause(ms: number): Promise<void>;
}

/** A little under the rate: a request reaches the provider some ms after its slot (a cold connection,
 * a busy event loop). 4% spare absorbs 40 ms of such jitter at any rate and still fills 96% of it. */
export function slotIntervalMs(rate: number): number {
  return (1000 / rate) * 1.04;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Redis's own clock (TIME) is the one clock every process agrees on.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, tat)
redis.call('SET', KEYS[1], tostring(start + interval), 'PX', math.ceil(start + interval - now) + 60000)
return start - now`;
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = math.max(tat, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(until_ - now) + 60000)
return until_ - now`;

export function redisRateGate(redis: Redis, name: string, rate: number): RateGate {
  const key = `${name}:send-rate-gate`;
  const interval = slotIntervalMs(rate);
  return {
    async acquire() {
      const wait = Number(await redis.eval(RESERVE, 1, key, String(interval)));
      if (wait > 0) await sleep(wait);
    },
    async pause(ms) {
      await redis.eval(PAUSE, 1, key, String(Math.ceil(ms)));
    },
  };
}

// clock_timestamp(), not now(): now() is the start of the transaction.
const PG_RESERVE = `
  INSERT INTO send_rate_gate AS g (name, tat) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET tat = greatest(g.tat, clock_timestamp()) + $2 * interval '1 millisecond'
  RETURNING greatest(0, extract(epoch FROM (g.tat - $2 * interval '1 millisecond' - clock_timestamp())) * 1000)::float8 AS wait_ms`;
const PG_PAUSE = `
  INSERT INTO send_rate_gate AS g (name, tat) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET tat = greatest(g.tat, clock_timestamp() + $2 * interval '1 millisecond')`;

export function postgresRateGate(db: Db, name: string, rate: number): RateGate {
  const interval = slotIntervalMs(rate);
  return {
    async acquire() {
      const { rows } = await db.query<{ wait_ms: number }>(PG_RESERVE, [name, interval]);
      const wait = rows[0]!.wait_ms;
      if (wait > 0) await sleep(wait);
    },
    async pause(ms) {
      await db.query(PG_PAUSE, [name, Math.ceil(ms)]);
    },
  };
}
