// The confirmation job against real Postgres, real Redis (and BullMQ's PostgreSQL backend), real send
// workers, the real resend SDK and the local fake provider: signups coalesce into full provider requests,
// provider errors and 429s delay an email but never lose or double it, and a job run again after its claim
// (its worker died before or after the provider accepted) sends each reader exactly one email.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { render } from '@react-email/render';
import type { FastifyInstance } from 'fastify';
import { type Backend, type Harness } from '../support/harness.js';
import { confirmationsSettled, confirmationTo, FORM, linksIn, pathOf, heading, settledAndCleared } from '../support/readers.js';
import { openSite, type Site } from '../support/site.js';
import { startWorkers } from '../../workers/start.js';
import { claimOwed, confirmationEmail, confirmIdempotencyKey } from '../../src/subscribers/confirmation-sender.js';
import { confirmUrl } from '../../src/subscribers/confirmation.js';
import { wakeConfirmations } from '../../src/queue/confirm-queue.js';
import { ConfirmSubscription } from '../../emails/confirm-subscription.js';

describe.each<Backend>(['redis', 'postgres'])('the confirmation job (%s backend)', (backend) => {
  let site: Site;
  let h: Harness;
  let web: FastifyInstance;
  let ip = 0;
  const subscribe = (email: string) =>
    web.inject({ method: 'POST', url: '/subscribe', payload: new URLSearchParams({ email }).toString(), headers: FORM, remoteAddress: `10.2.${Math.floor(++ip / 250)}.${ip % 250}` });
  const reader = async (email: string) => (await h.app.db.query(`SELECT * FROM subscribers WHERE email = $1`, [email])).rows[0];
  const mailsTo = (email: string) => h.fake.deliveries.filter((d) => d.to.includes(email));
  /** A pending reader who asked, with no job woken: as if the request's queue add were still to come. */
  const owedReader = async (email: string) =>
    (await h.app.db.query(`INSERT INTO subscribers (email, status, source, confirm_requested_at) VALUES ($1, 'pending', 'form', now()) RETURNING id`, [email])).rows[0].id as number;

  beforeAll(async () => void ({ h, web } = site = await openSite({ backend, env: { SEND_RATE: '10' }, workers: ['send'] })));
  afterAll(() => site?.close());
  beforeEach(() => settledAndCleared(h));

  it('gathers a burst of 1,000 signups into ten provider requests, one email per reader', async () => {
    // No send worker runs while the burst arrives (they are busy, or not started yet).
    await site.workers!.close();
    try {
      const emails = Array.from({ length: 1000 }, (_, i) => `burst${i}@example.net`);
      for (let i = 0; i < emails.length; i += 100) {
        const rs = await Promise.all(emails.slice(i, i + 100).map(subscribe));
        expect(rs.every((r) => r.statusCode === 200)).toBe(true);
      }
      await new Promise((r) => setTimeout(r, 200)); // the last trailing wake (src/queue/confirm-queue.ts)
      // One job for the lot, not one per signup.
      const counts = await h.app.queue('confirm').getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
      expect(h.fake.requests).toHaveLength(0);
    } finally {
      site.workers = startWorkers(h.app, ['send']);
    }
    await confirmationsSettled(h, 60_000);
    const accepted = h.fake.requests.filter((r) => r.outcome === 'accepted');
    expect(accepted.map((r) => r.count)).toEqual(Array(10).fill(100));
    expect(h.fake.requests).toHaveLength(10);
    expect(new Set(accepted.map((r) => r.idempotencyKey)).size).toBe(10);
    expect(h.fake.distinctRecipients()).toBe(1000);
    expect(h.fake.duplicates().size).toBe(0);
    // Each provider request took its slot at the shared gate: SEND_RATE 10 spaces them ≥ ~100 ms apart.
    const at = accepted.map((r) => r.at).sort((a, b) => a - b);
    expect(at[9]! - at[0]!).toBeGreaterThanOrEqual(9 * 100 * 0.9);
  });

  it('also mails a reader who signs up while the job is sending', async () => {
    h.fake.stallNext(1, 1500);
    await subscribe('first@example.net');
    await new Promise((r) => setTimeout(r, 700)); // the job is now inside its first provider request
    await subscribe('second@example.net');
    await confirmationTo(h, 'second@example.net');
    await confirmationsSettled(h);
    expect(mailsTo('first@example.net')).toHaveLength(1);
    expect(mailsTo('second@example.net')).toHaveLength(1);
  });

  it('retries after a provider 5xx: the same request again, and the email arrives once', async () => {
    h.fake.failNext(1, { status: 500 });
    await subscribe('outage@example.net');
    const mail = await confirmationTo(h, 'outage@example.net');
    await confirmationsSettled(h);
    expect(mailsTo('outage@example.net')).toHaveLength(1);
    expect(h.fake.requests.map((r) => r.outcome)).toEqual(['failed', 'accepted']);
    // The retry replayed the claim: same key, so had the provider accepted the first, it would not send twice.
    expect(h.fake.requests[0]!.idempotencyKey).toBe(h.fake.requests[1]!.idempotencyKey);
    const row = await reader('outage@example.net');
    expect(mail.idempotencyKey).toBe(`confirm/${row.id}/${row.confirm_sent_at.getTime()}`);
    // The link in it works.
    const page = await web.inject({ method: 'POST', url: pathOf(linksIn(mail.html!, '/confirm')[0]!) });
    expect(heading(page.body)).toBe('Welcome, you are in');
  });

  it('waits out a 429 (retry-after), then the email arrives once', async () => {
    h.fake.failNext(1, { status: 429 });
    await subscribe('patient-provider@example.net');
    await confirmationTo(h, 'patient-provider@example.net');
    await confirmationsSettled(h);
    expect(mailsTo('patient-provider@example.net')).toHaveLength(1);
    const [limited, accepted] = h.fake.requests;
    expect(limited!.outcome).toBe('rate_limited');
    expect(accepted!.outcome).toBe('accepted');
    expect(accepted!.idempotencyKey).toBe(limited!.idempotencyKey);
    // The fake says retry-after: 1 (second); nothing was asked of it before then.
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('sends a claim whose worker died before the provider request, once, with the claim’s key', async () => {
    const id = await owedReader('died-before@example.net');
    const group = (await claimOwed(h.app.db))!; // the dead worker's claim, committed
    expect(group.readers.map((r) => r.id)).toEqual([id]);
    expect(await reader('died-before@example.net')).toMatchObject({ confirm_claim: group.claim, confirm_sent_at: null });
    await wakeConfirmations(h.app.queue('confirm'), 'signup'); // the retry
    const mail = await confirmationTo(h, 'died-before@example.net');
    await confirmationsSettled(h);
    expect(mailsTo('died-before@example.net')).toHaveLength(1);
    expect(mail.idempotencyKey).toBe(confirmIdempotencyKey(group));
    expect(await reader('died-before@example.net')).toMatchObject({ confirm_claim: null, confirm_requested_at: null, confirm_sent_at: group.claimedAt });
  });

  it('does not send twice when the worker died after the provider accepted', async () => {
    await owedReader('died-after@example.net');
    const group = (await claimOwed(h.app.db))!;
    const emails = await Promise.all(group.readers.map((r) => confirmationEmail(h.app.config, r, h.app.state.confirmTemplates)));
    expect((await h.app.mailer.sendBatch(emails, confirmIdempotencyKey(group))).kind).toBe('accepted');
    // …and died before recording it: the row still holds the claim.
    expect((await reader('died-after@example.net')).confirm_claim).toBe(group.claim);
    await wakeConfirmations(h.app.queue('confirm'), 'signup');
    await confirmationsSettled(h);
    expect(h.fake.replays).toBe(1); // the provider answered the replay from its idempotency record
    expect(mailsTo('died-after@example.net')).toHaveLength(1);
    expect(await reader('died-after@example.net')).toMatchObject({ confirm_claim: null, confirm_requested_at: null, confirm_sent_at: group.claimedAt });
    expect(h.fake.requests.map((r) => r.outcome)).toEqual(['accepted', 'replayed']);
    // Running the job once more finds nothing to do.
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(h.fake.requests).toHaveLength(2);
  });

  it('renders once per process: each reader’s copy is byte-identical to a full render', async () => {
    await owedReader('render@example.net');
    const group = (await claimOwed(h.app.db))!;
    const r = group.readers[0]!;
    const email = await confirmationEmail(h.app.config, r, h.app.state.confirmTemplates);
    const direct = await render(createElement(ConfirmSubscription, {
      confirmUrl: confirmUrl(h.config.publicUrl, h.config.tokenSecret, r.id, r.confirm_claimed_at),
      publicUrl: h.config.publicUrl,
      mailingAddress: h.config.mailingAddress,
      source: 'form',
      expiresInDays: 7,
    }));
    expect(email.html).toBe(direct);
    await wakeConfirmations(h.app.queue('confirm'), 'signup');
  });
});
