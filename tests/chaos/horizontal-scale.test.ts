// Two sender processes on one Redis share one send: the work is split between them, the result is
// exactly once, and together they keep to the provider's rate R (SEND_RATE = R, shared gate), with at most a few 429s,
// and the achieved rate stays at or under R (at least 0.5 R even with a few start-up 429s).
import { afterAll, expect, it } from 'vitest';
import { Resend } from 'resend';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';
import { findIssue } from '../../src/issues/repo.js';
import { buildEmail } from '../../src/delivery/sender.js';

/** A real provider is warm; the fake's first parses of a 5 MB batch run unoptimised and answer slowly.
 * Warm it with a few batches of the real issue under another API key (rate windows are per key), then
 * forget them. */
async function warmUp(send: ChaosSend): Promise<void> {
  const row = (await findIssue(send.h.app.db, send.week))!;
  const issue = { id: row.id, week: row.week, subject: row.subject!, html: row.html!, text: row.text!, sendStartedAt: new Date() };
  const emails = Array.from({ length: 100 }, (_, i) => buildEmail(send.h.app.config, issue, i + 1, `warm${i}@example.net`));
  const resend = new Resend('re_warm_up', { baseUrl: send.provider.url });
  for (let k = 0; k < 6; k++) {
    await resend.batch.send(emails.map(({ template: _inline, ...e }) => ({ ...e, to: [e.to], html: String(e.html), text: String(e.text) })), { idempotencyKey: `warm-up-${k}` });
  }
  await send.provider.control({ op: 'reset' });
}

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

it('two senders split the work, exactly once, keeping to the shared rate with at most a rare 429', async () => {
  // The fake provider stamps a request's arrival when its event loop gets to it; while it parses another
  // 5 MB batch that stamp is late by up to ~100 ms on a busy machine. At R = 3 (333 ms apart) its work on
  // one request is over before the next one is due, so what it counts is our pacing, not its own backlog.
  const R = 3;
  const readers = 6000 * CHAOS_SCALE; // 60 requests: ~20 s at R = 3, so a start-up pause weighs little
  send = await chaosSend({ readers, sendRate: R, providerRate: R });
  await warmUp(send);
  const a = await send.start();
  const b = await send.start();
  await send.fanOut();
  await send.waitSent(90_000 * CHAOS_SCALE);
  await send.expectExactlyOnce();
  const { stats } = await send.provider.control({ op: 'stats' });
  const achieved = (stats.acceptedRequests - 1) / ((stats.lastAcceptedAt! - stats.firstAcceptedAt!) / 1000);
  // Each 429 (see below) pauses every sender a whole second: the floor allows for several of them.
  expect(achieved).toBeGreaterThanOrEqual(0.5 * R);
  expect(achieved).toBeLessThanOrEqual(R);
  // Both processes did a real share of the batches.
  const batchesOf = (p: typeof a) => p.logLines().filter((l) => l.msg === 'batch sent').length;
  const [na, nb] = [batchesOf(a), batchesOf(b)];
  expect(na + nb).toBe(readers / 100);
  expect(Math.min(na, nb)).toBeGreaterThanOrEqual(0.25 * (readers / 100));
  // KNOWN GAP: in about half the runs on this machine one or two 429s
  // come in the first ~2.5 s. The batches picked at the start reserve their slots at once; a sender's
  // first request leaves late (cold JIT, a new connection: 100-200 ms) and the ones after it on time, so
  // the provider sees R + 1 arrivals within one second (the gate's 4 % spare absorbs 40 ms). Each such 429
  // pauses every sender as told and costs no delivery (exactly-once and the rate hold above).
  const limited = [a, b].flatMap((p) => p.logLines()).filter((l) => l.status === 429);
  expect(limited.length).toBeLessThanOrEqual(10);
}, 150_000 * CHAOS_SCALE);
