// Redis restarted mid-send, losing every queued job, lock and the rate gate (a private redis-server with
// no persistence: the machine's shared Redis is not touched). The ledger in Postgres still knows who is
// pending; the scheduler restores its schedules, the sweeper re-queues the pending batches, and the
// send finishes with every reader exactly once.
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/harness.js';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

let send: ChaosSend | undefined;
let redis: PrivateRedis | undefined;
afterAll(async () => {
  await send?.close();
  await redis?.stop();
});

it('loses the whole queue to a Redis restart and still delivers everyone once', async () => {
  redis = await startPrivateRedis();
  const readers = 4000 * CHAOS_SCALE;
  send = await chaosSend({ readers, sendRate: 10, env: { REDIS_URL: redis.url } });
  await send.provider.control({ op: 'stall', ms: 300 }); // requests in flight when Redis goes away
  await send.start(['worker', 'send']);
  await send.start(['scheduler']);
  await send.fanOut();
  await waitFor(async () => (await send!.accepted()) >= 0.25 * readers, 40_000 * CHAOS_SCALE, 'a quarter accepted');
  const restartedAt = Date.now();
  await redis.restart(1000);
  const atRestart = await send.counts();
  expect(atRestart.pending).toBeGreaterThan(0);
  await send.provider.control({ op: 'stall', ms: 0 });
  // Within a few seconds the restarted Redis holds no send jobs: only the sweeper can bring them back.
  await send.waitSent(60_000 * CHAOS_SCALE);
  await send.expectExactlyOnce();
  // The processes rode it out: they reconnected instead of dying.
  expect(send.processes.every((p) => p.alive())).toBe(true);
  // And it was the sweeper that handed the lost batches back to the queue.
  const sweeps = send.processes.flatMap((p) => p.logLines()).filter((l) => l.msg === 'sweep: pending batches handed to the queue' && Number(l.time) > restartedAt);
  expect(sweeps.length).toBeGreaterThan(0);
}, 120_000 * CHAOS_SCALE);
