// The send-rate gate against the provider's rule (at most R requests in any sliding second), on a busy
// event loop: every timer fires 20 ms late, as it does while a sender serialises a batch or collects
// garbage. Spacing each request from the one before it lost those 20 ms on every request (~0.82 R); the
// departure window loses them once per R requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { postgresRateGate, redisRateGate, type RateGate } from '../../src/delivery/rate-gate.js';
import { createTestDatabase, TEST_REDIS_URL, uniqueQueuePrefix, type TestDatabase } from '../support/db.js';

const R = 10;
const REQUESTS = 50;
const IN_FLIGHT = 4;
const LATE_MS = 20;
const lateSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms + LATE_MS));

/** Departure times of REQUESTS lean requests from IN_FLIGHT loops sharing the gate, as a sender's batches do. */
async function departures(gate: RateGate): Promise<number[]> {
  const out: number[] = [];
  let left = REQUESTS;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (left-- > 0) {
      await gate.acquire(true);
      out.push(performance.now());
    }
  }));
  return out.sort((a, b) => a - b);
}

function check(times: number[]): void {
  // The provider's window: any R + 1 consecutive departures span more than a second (with the spare).
  for (let i = R; i < times.length; i++) expect(times[i]! - times[i - R]!).toBeGreaterThan(1000);
  const achieved = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
  expect(achieved / R).toBeGreaterThanOrEqual(0.94);
  expect(achieved / R).toBeLessThan(1);
}

describe('the send-rate gate on a busy event loop (timers 20 ms late)', () => {
  let redis: Redis;
  let database: TestDatabase;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    database = await createTestDatabase('gate');
  });
  afterAll(async () => {
    redis?.disconnect();
    await database?.drop();
  });

  it('Redis: never more than R departures in a second, and at least 0.94 R', async () => {
    const name = uniqueQueuePrefix('gate');
    try {
      check(await departures(redisRateGate(redis, name, R, { sleep: lateSleep })));
    } finally {
      await redis.del(`${name}:send-rate-gate`, `${name}:send-rate-gate:departures`);
    }
  }, 30_000);

  it('Postgres: never more than R departures in a second, and at least 0.94 R', async () => {
    check(await departures(postgresRateGate(database.db, uniqueQueuePrefix('gate'), R, { sleep: lateSleep })));
  }, 30_000);
});
