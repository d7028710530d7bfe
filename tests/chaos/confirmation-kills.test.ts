// The confirmation job killed with SIGKILL again and again while it mails a burst of signups, each time
// with a request in flight at the provider: every pending reader still gets exactly one confirmation email.
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/harness.js';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';
import { requestConfirmations } from '../../src/subscribers/confirmation.js';
import { confirmationsOwed } from '../../src/subscribers/confirmation-sender.js';

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('survives three SIGKILLs of the sender mid-way through the confirmations, nobody missed, nobody twice', async () => {
  const pending = 3000 * CHAOS_SCALE;
  // The harness of a send (fresh database and queues, the provider in its own process); its issue and
  // its few active readers are not sent: only the confirmation job runs here.
  send = await chaosSend({ readers: 1, sendRate: 10 });
  const { db } = send.h.app;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO subscribers (email, status, source)
     SELECT 'signup' || g || '@example.net', 'pending', 'form' FROM generate_series(1, $1::int) g RETURNING id`,
    [pending],
  );
  // Every request is held a while before the provider records it: at each kill one is in flight, and the
  // provider accepts it after its sender died, before the sender could mark its readers mailed.
  await send.provider.control({ op: 'stall', ms: 300 });
  let sender = await send.start();
  expect(await requestConfirmations(send.h.app, rows.map((r) => r.id), 'import')).toBe(pending);

  const owedNow = async () => (await db.query(`SELECT count(*)::int AS n FROM subscribers WHERE confirm_requested_at IS NOT NULL`)).rows[0].n as number;
  const kills: number[] = [];
  for (const share of [0.2, 0.4, 0.6]) {
    await waitFor(async () => (await send!.accepted()) >= share * pending, 60_000 * CHAOS_SCALE, `${share * 100}% of confirmations accepted`);
    await sender.kill('SIGKILL');
    kills.push(await owedNow());
    sender = await send.start();
  }
  // Every kill really interrupted the job.
  expect(kills.every((owed) => owed > 0)).toBe(true);
  await send.provider.control({ op: 'stall', ms: 0 });
  // The killed job returns once its lock lapses (workers/start.ts: ~15 s) and sends the claim it left first.
  await waitFor(async () => !(await confirmationsOwed(db)), 90_000 * CHAOS_SCALE, 'no confirmation owed').catch((err: Error) => {
    throw new Error(`${err.message}\n${send!.logTail()}`);
  });

  const { stats } = await send.provider.control({ op: 'stats' });
  expect(stats.distinctRecipients).toBe(pending);
  expect(stats.duplicateRecipients).toBe(0);
  expect(stats.accepted).toBe(pending);
  // Requests in flight at a kill were accepted but not marked: their rerun was answered as a replay.
  expect(stats.replays).toBeGreaterThan(0);
  const left = await db.query(
    `SELECT count(*) FILTER (WHERE confirm_sent_at IS NULL)::int AS unsent, count(*) FILTER (WHERE confirm_claim IS NOT NULL)::int AS claimed
     FROM subscribers WHERE status = 'pending'`,
  );
  expect(left.rows[0]).toEqual({ unsent: 0, claimed: 0 });
}, 180_000 * CHAOS_SCALE);
