// Provider events for batches whose sender is SIGKILLed between the provider's acceptance and "mark sent":
// the provider posts each email's events before it answers (so the ledger cannot know the email ids yet),
// the sender dies holding the answer, and its successor replays the batch. Every event ends on its
// delivery row, each reader once per kind in the figures, and the figures equal a recount.
import { afterAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { findIssue } from '../../src/issues/repo.js';

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('loses no event of batches accepted by the provider while their sender was killed', async () => {
  const readers = 2000 * CHAOS_SCALE;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const port = await freePort();
  send = await chaosSend({ readers, sendRate: 10, env: { RESEND_WEBHOOK_SECRET: secret, PORT: String(port) } });
  await send.start(['web']);
  await send.provider.control({
    op: 'webhooks',
    config: { url: `http://127.0.0.1:${port}/webhooks/resend`, secret, types: ['email.sent', 'email.delivered'], timing: 'before-answer' },
  });
  // Requests are held at the provider before it accepts them: at each kill some are accepted (and their
  // events posted) after their sender died, before it could mark its rows sent.
  await send.provider.control({ op: 'stall', ms: 300 });
  let sender = await send.start();
  await send.fanOut();
  const kills: number[] = [];
  for (const share of [0.25, 0.5]) {
    await waitFor(async () => (await send!.accepted()) >= share * readers, 40_000 * CHAOS_SCALE, `${share * 100}% accepted`);
    await sender.kill('SIGKILL');
    kills.push((await send.counts()).pending);
    sender = await send.start();
  }
  expect(kills.every((pending) => pending > 0)).toBe(true);
  await send.provider.control({ op: 'stall', ms: 0 });
  await send.waitSent(60_000 * CHAOS_SCALE);
  const { webhooks } = await send.provider.control({ op: 'stats' });
  expect(webhooks).toMatchObject({ events: readers * 2, abandoned: 0 });
  await rollUpAll(send.h.app.db);
  const issue = (await findIssue(send.h.app.db, send.week))!;
  const { rows } = await send.h.app.db.query(
    `SELECT count(*) FILTER (WHERE events ? 'sent' AND events ? 'delivered')::int AS both, count(*)::int AS n FROM deliveries WHERE issue_id = $1`,
    [issue.id],
  );
  expect(rows[0]).toEqual({ both: readers, n: readers });
  await send.expectExactlyOnce();
}, 150_000 * CHAOS_SCALE);
