// Every connection to the send's database is terminated (pg_terminate_backend) several times mid-send:
// claims, provider calls and "mark sent" updates are cut off half-way. Transactions roll back, jobs
// retry with the same Idempotency-Key, and every reader still gets exactly one email.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/harness.js';
import { ADMIN_URL } from '../support/db.js';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('terminated database connections mid-send lose nobody and send nobody twice', async () => {
  const readers = 4000 * CHAOS_SCALE;
  send = await chaosSend({ readers, sendRate: 10 });
  await send.provider.control({ op: 'stall', ms: 200 });
  await send.start();
  await send.start();
  await send.fanOut();
  // The killer sits in another database, so it is not among its own victims.
  const killer = new pg.Client({ connectionString: ADMIN_URL });
  await killer.connect();
  let terminated = 0;
  try {
    for (const share of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) {
      await waitFor(async () => (await send!.accepted()) >= share * readers, 40_000 * CHAOS_SCALE, `${share * 100}% accepted`);
      const r = await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [send.h.tdb.name]);
      terminated += r.rowCount ?? 0;
    }
  } finally {
    await killer.end();
  }
  expect(terminated).toBeGreaterThan(4);
  await send.provider.control({ op: 'stall', ms: 0 });
  await send.waitSent(60_000 * CHAOS_SCALE);
  await send.expectExactlyOnce();
  // Both senders lived through every termination. (Whether a query was in flight at the instant of a kill,
  // so that its batch had to be retried, is chance: the pool replaces idle connections silently.)
  expect(send.processes.every((p) => p.alive())).toBe(true);
}, 120_000 * CHAOS_SCALE);
