// The provider misbehaves at random: 500s, 429s, slow answers (accepted, answered late) and dropped
// connections (half of them after the emails were recorded). Retries with the same Idempotency-Key
// turn every one of those into exactly one email per reader.
import { afterAll, expect, it } from 'vitest';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('random 500, 429, slow and dropped answers: every reader once', async () => {
  const readers = 4000 * CHAOS_SCALE;
  send = await chaosSend({ readers, sendRate: 20 });
  await send.provider.control({ op: 'failRandomly', probability: 0.35, kinds: ['500', '429', 'slow', 'drop'], seed: 7, slowMs: { min: 300, max: 1500 } });
  await send.start();
  await send.start(); // two senders: concurrent retries of one batch meet the provider's in-flight key (409)
  await send.fanOut();
  await send.waitSent(90_000 * CHAOS_SCALE);
  await send.expectExactlyOnce();
  const { stats } = await send.provider.control({ op: 'stats' });
  // Each kind of fault really happened.
  expect(stats.byStatus['500'] ?? 0).toBeGreaterThan(0);
  expect(stats.rateLimited).toBeGreaterThan(0);
  expect(stats.dropped).toBeGreaterThan(0);
  expect(stats.acceptedDropped).toBeGreaterThan(0);
  expect(stats.replays).toBeGreaterThan(0);
}, 150_000 * CHAOS_SCALE);
