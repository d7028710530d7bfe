// Sender processes killed with SIGKILL again and again in the middle of a send, each time with requests
// in flight at the provider: every reader still gets exactly one email, readers of two topic sets each
// their own variant (two variants, each with its own batches and template).
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/harness.js';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('survives three SIGKILLs of the sender mid-send, nobody missed, nobody twice', async () => {
  const readers = 4000 * CHAOS_SCALE;
  send = await chaosSend({ readers, sendRate: 10, topics: true });
  // Every request is held a while before the provider records it: at each kill some are in flight,
  // and the provider accepts them after their sender died, before it could mark its rows sent.
  await send.provider.control({ op: 'stall', ms: 300 });
  let sender = await send.start();
  await send.fanOut();
  const kills: Array<{ accepted: number; pending: number }> = [];
  for (const share of [0.2, 0.4, 0.6]) {
    await waitFor(async () => (await send!.accepted()) >= share * readers, 40_000 * CHAOS_SCALE, `${share * 100}% accepted`);
    await sender.kill('SIGKILL');
    const c = await send.counts();
    kills.push({ accepted: await send.accepted(), pending: c.pending });
    sender = await send.start();
  }
  // Every kill really interrupted the send.
  expect(kills.every((k) => k.pending > 0)).toBe(true);
  await send.provider.control({ op: 'stall', ms: 0 });
  await send.waitSent(60_000 * CHAOS_SCALE);
  await send.expectExactlyOnce();
  const { stats } = await send.provider.control({ op: 'stats' });
  // Batches in flight at a kill were accepted at the provider but not marked: their rerun was a replay.
  expect(stats.replays).toBeGreaterThan(0);
  // Both variants went out, each batch holding one of them, half the readers each.
  const { rows } = await send.h.app.db.query(
    `SELECT coalesce(variant_key, 'all') AS v, count(*)::int AS n, count(DISTINCT batch_no)::int AS batches FROM deliveries
     WHERE issue_id = (SELECT id FROM issues WHERE week = $1) AND state = 'sent' GROUP BY 1 ORDER BY 1`, [send.week]);
  expect(rows.map((r: { v: string; n: number }) => [r.v, r.n])).toEqual([['1', readers / 2], ['all', readers / 2]]);
  const { rows: mixed } = await send.h.app.db.query(
    `SELECT batch_no FROM deliveries WHERE issue_id = (SELECT id FROM issues WHERE week = $1) GROUP BY 1 HAVING count(DISTINCT coalesce(variant_key, 'all')) > 1`, [send.week]);
  expect(mixed).toEqual([]);
}, 120_000 * CHAOS_SCALE);
