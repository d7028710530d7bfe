// The send-rate gate: every provider request, from every sender process, first reserves a slot.
// Slots are spaced evenly (GCRA: a shared "theoretical arrival time" moved forward by 1/rate per
// request), so no sliding second ever sees more than SEND_RATE requests at the provider. BullMQ's own
// limiter counts job starts in fixed windows; requests then reach the provider unevenly, which a
// provider measuring a sliding window can see as a burst of twice the rate.
//
// A slot is reserved up to a second ahead, and the timer that wakes a sender for it can fire late: its
// event loop was serialising another 5 MB batch, or collecting garbage. A request that leaves 70 ms late
// followed by one on time puts five requests into one sliding second at a provider allowing four. So
// after its slot a request also checks in at departure, against the provider's own rule: the gate keeps
// the times the last K requests left (K = SEND_RATE), and a request leaves only once the K-th before it
// left a window ago (K / SEND_RATE seconds plus a spare). That is the sliding window the provider counts
// (at most R requests in any second), matched exactly: a late request does not push back the next one, and
// the few ms every departure check overshoots its moment (the timer, a Redis round trip) are lost once per
// K requests, not once per request, as they were when each request was spaced from the one before it.
// The first request after a quiet spell reaches the provider later than the rest (a new connection, code
// not yet optimised: ~90 against ~50 ms measured), so its departure counts COLD_START_MS late.
import type { Cluster, Redis } from 'ioredis';
import type { Db } from '../db/pool.js';

export interface RateGate {
  /** Waits for this process's next slot. `lean`: a request of a few KB (a templated batch, a template
   * call), whose time to reach the provider barely varies, so it needs less spare (departureWindow).
   * Resolves to the departure's time as the gate's shared clock stamped it (ms since the epoch). */
  acquire(lean?: boolean): Promise<number>;
  /** Everyone waits at least `ms` from now (the provider said so). */
  pause(ms: number): Promise<void>;
}

/** The spare over the provider's window for a request of ~5 MB (an inline batch): it reaches the provider
 * some ms after it leaves (serialising 5 MB, the transfer), and that lag varies; 3.5 % of the window (35 ms
 * per second) absorbs its variation and still fills ~96 % of the rate. */
const SPARE = 0.035;
/** A request of ~90 KB (100 templated messages) is serialised and sent in a millisecond or two, so its lag
 * to the provider varies by the scheduler's and the network's jitter alone: 2.5 % (25 ms per second of
 * requests at any rate). (1.5 % filled 0.977 R, but on a machine at load average 25 one run in three saw a
 * 429: 15 ms is less than a busy scheduler's delays.) */
const LEAN_SPARE = 0.025;

/** The departure check's window: at most `count` requests leave in any `ms`. For a whole SEND_RATE R that is
 * R requests per second plus the spare; below 1, one per 1/R seconds; otherwise floor(R) per floor(R)/R s. */
export function departureWindow(rate: number, lean = false): { count: number; ms: number } {
  const count = rate >= 1 ? Math.floor(rate) : 1;
  return { count, ms: ((count * 1000) / rate) * (1 + (lean ? LEAN_SPARE : SPARE)) };
}

/** Slots come a little faster than departures may (3 % over 1/rate against the 3.5 % window): the
 * departure check sets the pace, and a request pushed back by a late predecessor finds its successor's slot
 * already due. The slots keep requests spread evenly, so the window never sees a burst. */
export function slotIntervalMs(rate: number): number {
  return (1000 / rate) * 1.03;
}
const leanSlotIntervalMs = (rate: number) => (1000 / rate) * 1.02;

const COLD_START_MS = 40;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How a gate waits: a timer by default; a test passes one that fires late, as a busy event loop's does. */
export interface GateOptions {
  sleep?: (ms: number) => Promise<void>;
}

// Redis's own clock (TIME) is the one clock every process agrees on.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, tat)
redis.call('SET', KEYS[1], tostring(start + interval), 'PX', math.ceil(start + interval - now) + 60000)
return start - now`;
// KEYS[1]: a list of departure times, newest first, at most ARGV[1] long. A request may leave once the
// ARGV[1]-th newest left ARGV[2] ms ago; it then counts ARGV[3] ms late if nothing left for a while.
// Returns the ms still to wait, or {0, the departure's time}.
const DEPART = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local count = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if redis.call('LLEN', KEYS[1]) >= count then
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], count - 1))
  if now - oldest < window then return math.ceil(window - (now - oldest)) end
end
local newest = tonumber(redis.call('LINDEX', KEYS[1], 0) or '0')
local counted = now
if now - newest > 2 * window / count then counted = now + tonumber(ARGV[3]) end
redis.call('LPUSH', KEYS[1], tostring(counted))
redis.call('LTRIM', KEYS[1], 0, count - 1)
redis.call('PEXPIRE', KEYS[1], math.ceil(window) + 60000)
return {0, tostring(now)}`;
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = math.max(tat, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(until_ - now) + 60000)
return until_ - now`;

// On a cluster each script touches one key, and `name` (the queue prefix) carries the {hash tag}.
export function redisRateGate(redis: Redis | Cluster, name: string, rate: number, { sleep: nap = sleep }: GateOptions = {}): RateGate {
  const key = `${name}:send-rate-gate`;
  const departedKey = `${name}:send-rate-gate:departures`;
  return {
    async acquire(lean = false) {
      const interval = lean ? leanSlotIntervalMs(rate) : slotIntervalMs(rate);
      const window = departureWindow(rate, lean);
      const wait = Number(await redis.eval(RESERVE, 1, key, String(interval)));
      if (wait > 0) await nap(wait);
      for (;;) {
        const answer = (await redis.eval(DEPART, 1, departedKey, String(window.count), String(window.ms), String(COLD_START_MS))) as number | [number, string];
        if (Array.isArray(answer)) return Number(answer[1]);
        await nap(answer);
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
// The departure check, on the gate's own row: its `departures` column holds the times the last k requests
// left, newest first. The row lock orders concurrent senders; the CTE reads the old value. The row always
// exists here (PG_RESERVE, which every acquire runs first, made it), so there is always a row to lock: a
// row of its own, made by the first departure's INSERT, left concurrent first senders with nothing to lock,
// each reading an empty window and writing its own one-entry array over the others' (the rate-gate test saw
// 11 requests in 635 ms).
const PG_DEPART = `
  WITH args AS (SELECT $2::int AS k, $3::float8 AS w, $4::float8 AS cold),
  prev AS (SELECT departures FROM send_rate_gate WHERE name = $1 FOR UPDATE),
  -- The clock is read after the row lock is held (a join row, then its columns): a sender that waited for
  -- another's departure stamps the time it really leaves.
  st AS (SELECT clock_timestamp() AS now, prev.departures AS d, k, w, cold FROM args JOIN prev ON true),
  early AS (SELECT w - extract(epoch FROM (now - d[k]))::float8 * 1000 AS wait_ms FROM st
            WHERE cardinality(d) >= k AND now - d[k] < w * interval '1 millisecond'),
  go AS (UPDATE send_rate_gate g
         SET departures = (ARRAY[st.now + CASE WHEN cardinality(d) = 0 OR st.now - d[1] > 2 * w / k * interval '1 millisecond'
                                         THEN cold * interval '1 millisecond' ELSE interval '0' END] || d)[1:k]
         FROM st WHERE g.name = $1 AND NOT EXISTS (SELECT 1 FROM early)
         RETURNING extract(epoch FROM st.now)::float8 * 1000 AS at)
  SELECT (SELECT count(*) FROM prev)::int AS gate_rows, coalesce((SELECT wait_ms FROM early), 0)::float8 AS wait_ms,
    (SELECT at FROM go) AS departed_at`;
const PG_PAUSE = `
  INSERT INTO send_rate_gate AS g (name, tat) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET tat = greatest(g.tat, clock_timestamp() + $2 * interval '1 millisecond')`;

export function postgresRateGate(db: Db, name: string, rate: number, { sleep: nap = sleep }: GateOptions = {}): RateGate {
  return {
    async acquire(lean = false) {
      const interval = lean ? leanSlotIntervalMs(rate) : slotIntervalMs(rate);
      const window = departureWindow(rate, lean);
      const { rows } = await db.query<{ wait_ms: number }>(PG_RESERVE, [name, interval]);
      const wait = rows[0]!.wait_ms;
      if (wait > 0) await nap(wait);
      for (;;) {
        const { rows } = await db.query<{ gate_rows: number; wait_ms: number; departed_at: number | null }>(PG_DEPART, [name, window.count, window.ms, COLD_START_MS]);
        const d = rows[0]!;
        if (d.departed_at !== null) return d.departed_at;
        // The row went while this sender waited for its slot (an operator cleared the table): made again.
        if (d.gate_rows === 0) await db.query(PG_PAUSE, [name, 0]);
        else await nap(Math.max(1, Math.ceil(d.wait_ms)));
      }
    },
    async pause(ms) {
      await db.query(PG_PAUSE, [name, Math.ceil(ms)]);
    },
  };
}
