// POST /webhooks/resend: events signed with `standardwebhooks`, the library the resend SDK verifies with.
// Bad, stale and replayed signatures, once-only handling, suppression, and the delivery row's events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createHarness, type Harness } from '../support/harness.js';
import { FORM, readerServer } from '../support/readers.js';
import { buildServer } from '../../src/web/server.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { metrics } from '../../src/metrics.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let h: Harness;
let web: FastifyInstance;
let issueId: number;

interface Signed {
  id?: string;
  at?: Date;
  secret?: string;
  body?: string;
}

/** A request as Resend sends it: svix-* headers over the exact body. */
async function deliver(event: unknown, o: Signed = {}) {
  const id = o.id ?? `msg_${randomUUID()}`;
  const at = o.at ?? new Date();
  const payload = o.body ?? JSON.stringify(event);
  const signature = new Webhook(o.secret ?? SECRET).sign(id, at, payload);
  return web.inject({
    method: 'POST',
    url: '/webhooks/resend',
    payload,
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature },
  });
}

const event = (type: string, emailId: string, data: Record<string, unknown> = {}) => ({
  type,
  created_at: new Date().toISOString(),
  data: { email_id: emailId, from: 'Weekly AI Tool Verdicts <verdicts@example.org>', to: ['someone@example.net'], subject: 'Issue', ...data },
});

async function reader(email: string, status = 'active') {
  const { rows } = await h.app.db.query(`INSERT INTO subscribers (email, status, source, consent_at) VALUES ($1, $2, 'test', now()) RETURNING id`, [email, status]);
  const id: number = rows[0].id;
  const messageId = `re_${randomUUID()}`;
  await h.app.db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, provider_message_id, sent_at) VALUES ($1, $2, 0, 'sent', $3, now())`, [issueId, id, messageId]);
  return { id, messageId };
}
const refused = async (reason: string) => (await metrics.webhookRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
const subscriber = async (id: number) => (await h.app.db.query(`SELECT status, suppressed_reason FROM subscribers WHERE id = $1`, [id])).rows[0];
const events = async (id: number) => (await h.app.db.query(`SELECT events FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2`, [issueId, id])).rows[0].events;

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', catalog: false, env: { RESEND_WEBHOOK_SECRET: SECRET } });
  web = await readerServer(h);
  const { rows } = await h.app.db.query(`INSERT INTO issues (week, state, subject, html, text, send_started_at, sent_at) VALUES ('2026-W05', 'sent', 's', 'h', 't', now(), now()) RETURNING id`);
  issueId = rows[0].id;
});
afterAll(async () => {
  await web?.close();
  await h?.close();
});

describe('signature checks', () => {
  it('answers 503 when no RESEND_WEBHOOK_SECRET is configured', async () => {
    const unconfigured = await buildServer({ ...h.app, config: { ...h.app.config, resendWebhookSecret: undefined } });
    try {
      const r = await unconfigured.inject({ method: 'POST', url: '/webhooks/resend', payload: { type: 'email.delivered' } });
      expect(r.statusCode).toBe(503);
      expect(r.json().error).toContain('RESEND_WEBHOOK_SECRET');
    } finally {
      await unconfigured.close();
    }
  });

  it('answers 401 to missing, wrong, stale, future and tampered signatures, and changes nothing', async () => {
    const { id, messageId } = await reader('sig@example.net');
    const bounce = event('email.bounced', messageId, { bounce: { type: 'Permanent', subType: 'General', message: 'no such mailbox' } });
    const payload = JSON.stringify(bounce);
    const missing = await web.inject({ method: 'POST', url: '/webhooks/resend', payload, headers: { 'content-type': 'application/json' } });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toBe('missing signature headers');

    const wrong = await deliver(bounce, { secret: `whsec_${randomBytes(24).toString('base64')}` });
    const stale = await deliver(bounce, { at: new Date(Date.now() - 10 * 60_000) });
    const future = await deliver(bounce, { at: new Date(Date.now() + 10 * 60_000) });
    for (const r of [wrong, stale, future]) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error).toBe('invalid or stale signature');
    }
    // A genuine signature moved onto another body or another event id does not verify.
    const at = new Date();
    const good = new Webhook(SECRET).sign('msg_original', at, payload);
    const headers = (eventId: string) => ({ 'content-type': 'application/json', 'svix-id': eventId, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': good });
    const otherBody = await web.inject({ method: 'POST', url: '/webhooks/resend', payload: payload.replace('Permanent', 'Transient'), headers: headers('msg_original') });
    const otherId = await web.inject({ method: 'POST', url: '/webhooks/resend', payload, headers: headers('msg_other') });
    expect(otherBody.statusCode).toBe(401);
    expect(otherId.statusCode).toBe(401);
    expect(await subscriber(id)).toMatchObject({ status: 'active', suppressed_reason: null });
    expect((await h.app.db.query(`SELECT count(*)::int AS n FROM provider_events`)).rows[0].n).toBe(0);
  });

  it('acknowledges and counts a signed body that is not a Resend event (the provider would only retry it), never a 5xx', async () => {
    const before = await refused('malformed');
    for (const r of [
      await deliver(null, { body: 'not json' }),
      await deliver({ data: {} }),
      await deliver({ type: 42 }),
      await deliver({ type: 'email.delivered', data: { email_id: { $ne: null } } }),
    ]) {
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ ok: true, action: 'ignored' });
    }
    expect((await refused('malformed')) - before).toBe(4);
  });
});

describe('handling events', () => {
  it('suppresses a hard-bounced reader for good, once per event id', async () => {
    const { id, messageId } = await reader('gone@example.net');
    const bounce = event('email.bounced', messageId, { bounce: { type: 'Permanent', subType: 'General', message: 'The recipient address does not exist.' } });
    const r = await deliver(bounce, { id: 'msg_bounce_1' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true, action: 'suppressed' });
    expect(await subscriber(id)).toEqual({ status: 'bounced', suppressed_reason: 'hard bounce: General: The recipient address does not exist.' });
    await rollUpAll(h.app.db);
    expect((await events(id)).bounced.count).toBe(1);

    // Resend retries the same event (same id, new signature): acknowledged, nothing changes.
    const replay = await deliver(bounce, { id: 'msg_bounce_1' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().action).toBe('duplicate');
    await rollUpAll(h.app.db);
    expect((await events(id)).bounced.count).toBe(1);

    // Suppressed for good: the form gives the usual answer and sends nothing.
    h.fake.reset();
    const signup = await web.inject({ method: 'POST', url: '/subscribe', payload: 'email=gone%40example.net', headers: FORM });
    expect(signup.statusCode).toBe(200);
    expect(h.fake.deliveries).toHaveLength(0);
    expect((await subscriber(id)).status).toBe('bounced');
  });

  it('records a transient bounce on the delivery without suppressing', async () => {
    const { id, messageId } = await reader('full@example.net');
    const r = await deliver(event('email.bounced', messageId, { bounce: { type: 'Transient', subType: 'MailboxFull', message: 'Mailbox full' } }));
    expect(r.json().action).toBe('recorded');
    await rollUpAll(h.app.db);
    expect((await subscriber(id)).status).toBe('active');
    expect((await events(id)).bounced.count).toBe(1);
  });

  it('suppresses a complaint, which outranks a bounce and is never lifted', async () => {
    const a = await reader('spam-a@example.net');
    await deliver(event('email.complained', a.messageId));
    expect(await subscriber(a.id)).toEqual({ status: 'complained', suppressed_reason: 'marked as spam (provider complaint)' });
    await deliver(event('email.bounced', a.messageId, { bounce: { type: 'Permanent' } }));
    expect((await subscriber(a.id)).status).toBe('complained');

    const b = await reader('spam-b@example.net');
    await deliver(event('email.bounced', b.messageId, { bounce: { type: 'Permanent' } }));
    await deliver(event('email.complained', b.messageId));
    expect((await subscriber(b.id)).status).toBe('complained');
  });

  it('finds the reader of a confirmation email (no delivery row) by address', async () => {
    const { rows } = await h.app.db.query(`INSERT INTO subscribers (email, status, source) VALUES ('typo@exmaple.net', 'pending', 'form') RETURNING id`);
    const r = await deliver(event('email.bounced', `re_${randomUUID()}`, { to: ['Typo@Exmaple.net'], bounce: { type: 'Permanent', subType: 'General' } }));
    expect(r.json().action).toBe('suppressed');
    expect((await subscriber(rows[0].id)).status).toBe('bounced');
  });

  it('adds delivered, opened, clicked and delayed to the delivery row: first, last and count per kind', async () => {
    const { id, messageId } = await reader('reads@example.net');
    const t = (s: number) => new Date(Date.UTC(2026, 1, 3, 9, 0, s)).toISOString();
    const at = (type: string, s: number) => ({ ...event(type, messageId), created_at: t(s) });
    for (const [type, s] of [['email.delivery_delayed', 1], ['email.delivered', 5], ['email.opened', 30], ['email.opened', 10], ['email.clicked', 40]] as const) {
      const r = await deliver(at(type, s));
      expect(r.statusCode).toBe(200);
      expect(r.json().action).toBe('recorded');
    }
    await rollUpAll(h.app.db);
    const e = await events(id);
    expect(Object.keys(e).sort()).toEqual(['clicked', 'delivered', 'delivery_delayed', 'opened']);
    expect(e.opened.count).toBe(2);
    expect(new Date(e.opened.first_at).toISOString()).toBe(t(10));
    expect(new Date(e.opened.last_at).toISOString()).toBe(t(30));
    expect(e.delivered.count).toBe(1);
    expect((await subscriber(id)).status).toBe('active');
  });

  it('acknowledges and ignores unknown event types, and events for mail it never sent', async () => {
    for (const type of ['contact.created', 'domain.updated', 'email.scheduled', 'something.new']) {
      const r = await deliver({ type, created_at: new Date().toISOString(), data: { id: 'x' } });
      expect(r.statusCode).toBe(200);
      expect(r.json().action).toBe('ignored');
    }
    // Mail it never sent (or not yet known): stored and parked until a delivery carries that id.
    const stranger = await deliver(event('email.delivered', 're_unknown'));
    expect(stranger.json().action).toBe('recorded');
    await rollUpAll(h.app.db);
    const parked = await h.app.db.query(`SELECT parked_at FROM provider_event_inbox WHERE email_id = 're_unknown'`);
    expect(parked.rows).toHaveLength(1);
    expect(parked.rows[0].parked_at).not.toBeNull();
  });

  it('handles the same event delivered ten times at once exactly once', async () => {
    const { id, messageId } = await reader('burst@example.net');
    const opened = event('email.opened', messageId);
    const rs = await Promise.all(Array.from({ length: 10 }, () => deliver(opened, { id: 'msg_burst' })));
    expect(rs.every((r) => r.statusCode === 200)).toBe(true);
    expect(rs.filter((r) => r.json().action === 'recorded')).toHaveLength(1);
    await rollUpAll(h.app.db);
    expect((await events(id)).opened.count).toBe(1);
  });
});
