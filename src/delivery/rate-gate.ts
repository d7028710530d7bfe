// The send-rate gate: every provider request, from every sender process, first reserves a slot.
// Slots are spaced evenly (GCRA: a shared "theoretical arrival time" moved forward by 1/rate per
// request), so no sliding second ever sees more than SEND_RATE requests at the provider. BullMQ's own
// limiter counts job starts in fixed windows; requests then reach the provider unevenly, which a
// provider measuring a sliding window can see as a burst of twice the rate.
//
// A slot is reserved up to a second ahead, and the timer that wakes a sender for it can fire late: its
// event loop was serialising another 5 MB batch, or collecting garbage. A request that leaves 70 ms late
// followed by one on time puts five requests into one sliding second at a provider allowing four. So
// after its slot a request also checks in at departure: the gate keeps the time the last request left,
// and one that would leave less than departureIntervalMs after it waits the difference. Requests are then
// spaced by the interval as they actually leave, not only as they were scheduled. The first request after
// a quiet spell reaches the provider later than the rest (a new connection, code not yet optimised: ~90
// against ~50 ms measured), so its departure counts COLD_START_MS late.
import type { Cluster, Redis } from 'ioredis';
import type { Db } from '../db/pool.js';

export interface RateGate {
  /** Waits for this process's next slot. `lean`: a request of a few KB (a templated batch, a template
   * call), whose time to reach the provider barely varies, so it needs less spare (leanDepartureIntervalMs). */
  acquire(lean?: boolean): Promise<void>;
  /** Everyone waits at least `ms` from now (the provider said so). */
  pause(ms: number): Promise<void>;
}

/** The least time between two requests' departures: 3.5 % over 1/rate, because a request reaches the
 * provider some ms after it leaves (serialising 5 MB, the transfer), and that lag varies. Waiting for the
 * departure check overshoots by a millisecond or two (a Redis round trip and the timer), so requests
 * leave about 4 % over 1/rate apart: the spare absorbs the lag's variation and still fills ~96 % of the rate. */
export function departureIntervalMs(rate: number): number {
  return (1000 / rate) * 1.035;
}

/** Slots come a little faster than departures may (3 % over 1/rate against 3.5 %): the departure check
 * sets the pace, and a request pushed back by a late predecessor finds its successor's slot already due. */
export function slotIntervalMs(rate: number): number {
  return (1000 / rate) * 1.03;
}

/** A request of ~90 KB (100 templated messages) is serialised and sent in a millisecond or two, so its lag
 * to the provider varies by the scheduler's and the network's jitter alone: 2.5 % spare (25 ms per second of
 * requests at any rate) instead of 3.5 %, which allowed a 5 MB request's lag 35 ms of variation but capped
 * the rate at 0.966 R. (1.5 % filled 0.977 R, but on a machine at load average 25 one run in three saw a
 * 429: 15 ms is less than a busy scheduler's delays.) */
export function leanDepartureIntervalMs(rate: number): number {
  return (1000 / rate) * 1.025;
}
const leanSlotIntervalMs = (rate: number) => (1000 / rate) * 1.02;

const COLD_START_MS = 40;

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
const DEPART = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now - last < interval then return math.ceil(interval - (now - last)) end
local counted = now
if now - last > 2 * interval then counted = now + tonumber(ARGV[2]) end
redis.call('SET', KEYS[1], tostring(counted), 'PX', math.ceil(interval) + 60000)
return 0`;
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = math.max(tat, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(until_ - now) + 60000)
return until_ - now`;

// On a cluster each script touches one key, and `name` (the queue prefix) carries the {hash tag}.
export function redisRateGate(redis: Redis | Cluster, name: string, rate: number): RateGate {
  const key = `${name}:send-rate-gate`;
  const departedKey = `${name}:send-rate-gate:departed`;
  return {
    async acquire(lean = false) {
      const interval = lean ? leanSlotIntervalMs(rate) : slotIntervalMs(rate);
      const spacing = lean ? leanDepartureIntervalMs(rate) : departureIntervalMs(rate);
      const wait = Number(await redis.eval(RESERVE, 1, key, String(interval)));
      if (wait > 0) await sleep(wait);
      for (;;) {
        const late = Number(await redis.eval(DEPART, 1, departedKey, String(spacing), String(COLD_START_MS)));
        if (late <= 0) return;
        await sleep(late);
      }
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
// The departure check of one gate, in a row of its own (name + ':departed'): its `tat` column holds the
// time the last request left. The row lock orders concurrent senders; the CTE reads the old value.
const PG_DEPART = `
  WITH prev AS (SELECT tat FROM send_rate_gate WHERE name = $1 FOR UPDATE),
  early AS (SELECT $2 - extract(epoch FROM (clock_timestamp() - tat)) * 1000 AS wait_ms FROM prev
            WHERE clock_timestamp() - tat < $2 * interval '1 millisecond'),
  go AS (INSERT INTO send_rate_gate AS g (name, tat)
         SELECT $1, clock_timestamp() + CASE WHEN coalesce((SELECT clock_timestamp() - tat > 2 * $2 * interval '1 millisecond' FROM prev), true)
                                        THEN $3 * interval '1 millisecond' ELSE interval '0' END
         WHERE NOT EXISTS (SELECT 1 FROM early)
         ON CONFLICT (name) DO UPDATE SET tat = EXCLUDED.tat RETURNING 1)
  SELECT coalesce((SELECT wait_ms FROM early), 0)::float8 AS wait_ms, (SELECT count(*) FROM go)::int AS departed`;
const PG_PAUSE = `
  INSERT INTO send_rate_gate AS g (name, tat) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET tat = greatest(g.tat, clock_timestamp() + $2 * interval '1 millisecond')`;

export function postgresRateGate(db: Db, name: string, rate: number): RateGate {
  return {
    async acquire(lean = false) {
      const interval = lean ? leanSlotIntervalMs(rate) : slotIntervalMs(rate);
      const spacing = lean ? leanDepartureIntervalMs(rate) : departureIntervalMs(rate);
      const { rows } = await db.query<{ wait_ms: number }>(PG_RESERVE, [name, interval]);
      const wait = rows[0]!.wait_ms;
      if (wait > 0) await sleep(wait);
      for (;;) {
        const { rows: d } = await db.query<{ wait_ms: number; departed: number }>(PG_DEPART, [`${name}:departed`, spacing, COLD_START_MS]);
        if (d[0]!.departed > 0) return;
        await sleep(Math.max(1, Math.ceil(d[0]!.wait_ms)));
      }
    },
    async pause(ms) {
      await db.query(PG_PAUSE, [name, Math.ceil(ms)]);
    },
  };
}
