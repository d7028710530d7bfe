// Signup and double opt-in against real Postgres and Redis, the real resend SDK and the local fake
// provider: the form, the no-enumeration answer, the confirmation email and link, resends, rate limits.
// The confirmation email is sent by the confirmation job in a real send worker, as in production; the
// job's own behaviour (coalescing, provider errors, replays) is in confirmations.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Harness } from '../support/harness.js';
import { confirmationsSettled, confirmationTo, FORM, heading, linksIn, pathOf, readerServer, settledAndCleared } from '../support/readers.js';
import { openSite, type Site } from '../support/site.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { importSubscribersCsv } from '../../src/subscribers/import.js';
import { requestConfirmations } from '../../src/subscribers/confirmation.js';
import { wakeConfirmations } from '../../src/queue/confirm-queue.js';
import { forgetSubscriber } from '../../src/subscribers/data-rights.js';
import { SIGNUP_RATE_LIMIT } from '../../src/web/routes/signup.js';

let site: Site;
let h: Harness;
let web: FastifyInstance;
let ip = 0;
/** Each test signs up from its own address, so the per-IP limit only bites where a test wants it to. */
const nextIp = () => `10.1.${Math.floor(++ip / 250)}.${ip % 250}`;

async function subscribe(body: Record<string, string>, remoteAddress = nextIp()) {
  return web.inject({ method: 'POST', url: '/subscribe', payload: new URLSearchParams(body).toString(), headers: FORM, remoteAddress });
}
async function reader(email: string) {
  return (await h.app.db.query(`SELECT * FROM subscribers WHERE email = $1`, [email])).rows[0];
}
const mailsTo = (email: string) => h.fake.deliveries.filter((d) => d.to.includes(email));

beforeAll(async () => void ({ h, web } = site = await openSite({ backend: 'redis', workers: ['send'] })));
afterAll(() => site?.close());
// Each test starts with every earlier confirmation sent and the provider's record empty.
beforeEach(() => settledAndCleared(h));

describe('the signup page', () => {
  it('shows what the newsletter is, a labelled form with a consent line, and security headers', async () => {
    const r = await web.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(r.body).toContain('<label for="email">Email address</label>');
    // (HTML attribute names are case-insensitive; React writes some in camelCase.)
    expect(r.body).toMatch(/<input id="email" type="email" autocomplete="email"[^>]* required=""[^>]* name="email"/i);
    expect(r.body).toMatch(/<form class="card" id="subscribe" novalidate=""[^>]* action="\/subscribe" method="post">/i);
    expect(r.body).toContain('one email a week');
    expect(r.body).toContain('href="/issues"');
    expect(r.body).toContain('1 Test Street, 10115 Berlin, Germany');
    expect(r.body).not.toContain('<script');
    expect(r.headers['content-security-policy']).toContain("script-src 'none'");
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('POST /subscribe', () => {
  it('makes a new address pending and mails one confirmation with a 7-day signed link', async () => {
    const r = await subscribe({ email: '  New.Reader@Example.COM ', name: 'New Reader' });
    expect(r.statusCode).toBe(200);
    expect(heading(r.body)).toBe('Check your inbox');
    expect(r.headers['cache-control']).toBe('no-store');
    const row = await reader('new.reader@example.com');
    expect(row).toMatchObject({ status: 'pending', name: 'New Reader', source: 'form', consent_at: null });
    // The request only asked for the email; the send worker sends it.
    expect(row.confirm_requested_at ?? row.confirm_sent_at).toBeInstanceOf(Date);

    const mail = await confirmationTo(h, 'new.reader@example.com');
    await confirmationsSettled(h);
    expect(mailsTo('new.reader@example.com')).toHaveLength(1);
    const sent = await reader('new.reader@example.com');
    expect(sent.confirm_requested_at).toBeNull();
    expect(sent.confirm_sent_at).toBeInstanceOf(Date);
    expect(mail!.subject).toBe('Confirm your subscription to Weekly AI Tool Verdicts');
    expect(mail!.from).toBe('Weekly AI Tool Verdicts <verdicts@example.org>');
    expect(mail!.idempotencyKey).toBe(`confirm/${row.id}/${sent.confirm_sent_at.getTime()}`);
    expect(mail!.text).toContain('https://verdicts.example.org/confirm?token=');
    expect(mail!.html).toContain('entered this address in the signup form at verdicts.example.org');
    expect(mail!.html).toContain('1 Test Street, 10115 Berlin, Germany');
    // The name is never echoed into the email: the form cannot be used to mail someone a message.
    expect(mail!.html).not.toContain('New Reader');
    expect(mail!.text).not.toContain('New Reader');
    const [link] = linksIn(mail!.html!, '/confirm');
    const token = new URL(link!).searchParams.get('token')!;
    const expiry = Number(token.split('.')[4]);
    expect(expiry).toBe(Math.floor(sent.confirm_sent_at.getTime() / 1000) + 7 * 86400);
  });

  it('answers the same for new, pending, active, unsubscribed, bounced and complained addresses', async () => {
    await h.app.db.query(`
      INSERT INTO subscribers (email, status, source, consent_at, confirm_sent_at) VALUES
        ('same-pending@example.com', 'pending', 'form', NULL, now()),
        ('same-active@example.com', 'active', 'form', now(), now() - interval '1 day'),
        ('same-bounced@example.com', 'bounced', 'form', now(), NULL),
        ('same-complained@example.com', 'complained', 'form', now(), NULL)`);
    const kinds = ['new', 'pending', 'active', 'bounced', 'complained'];
    const bodies = await Promise.all(kinds.map(async (k) => {
      const r = await subscribe({ email: `same-${k}@example.com` });
      expect(r.statusCode).toBe(200);
      return r.body.replace(`same-${k}@example.com`, 'ADDRESS');
    }));
    expect(new Set(bodies).size).toBe(1);
    // Only the new address got mail: the pending one had a link minutes ago, the rest are not owed one.
    await confirmationTo(h, 'same-new@example.com');
    await confirmationsSettled(h);
    expect(h.fake.deliveries.map((d) => d.to[0])).toEqual(['same-new@example.com']);
    expect((await reader('same-bounced@example.com')).status).toBe('bounced');
    expect((await reader('same-complained@example.com')).status).toBe('complained');
    expect((await reader('same-active@example.com')).status).toBe('active');
  });

  it('sends a pending address at most one confirmation per ten minutes', async () => {
    for (let i = 0; i < 5; i++) expect((await subscribe({ email: 'patient@example.com' })).statusCode).toBe(200);
    await confirmationTo(h, 'patient@example.com');
    for (let i = 0; i < 3; i++) expect((await subscribe({ email: 'patient@example.com' })).statusCode).toBe(200);
    await confirmationsSettled(h);
    expect(mailsTo('patient@example.com')).toHaveLength(1);
    // An ask inside the ten minutes is not kept for later: when they are over, nothing is sent by itself.
    await h.app.db.query(`UPDATE subscribers SET confirm_sent_at = now() - interval '11 minutes' WHERE email = 'patient@example.com'`);
    await h.app.queue('confirm').add('send-confirmations', { trigger: 'sweep' });
    await confirmationsSettled(h);
    expect(mailsTo('patient@example.com')).toHaveLength(1);
    // Asking again after them sends one more, and one only.
    await subscribe({ email: 'patient@example.com' });
    await subscribe({ email: 'patient@example.com' });
    await confirmationTo(h, 'patient@example.com', 2);
    await confirmationsSettled(h);
    expect(mailsTo('patient@example.com')).toHaveLength(2);
  });

  it('sends exactly one confirmation when the same new address arrives twenty times at once', async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, () => subscribe({ email: 'burst@example.com' })));
    expect(rs.every((r) => r.statusCode === 200)).toBe(true);
    await confirmationTo(h, 'burst@example.com');
    await confirmationsSettled(h);
    expect(mailsTo('burst@example.com')).toHaveLength(1);
    expect((await h.app.db.query(`SELECT count(*)::int AS n FROM subscribers WHERE email = 'burst@example.com'`)).rows[0].n).toBe(1);
  });

  it('lets an unsubscribed reader come back only through a new confirmation', async () => {
    await h.app.db.query(`INSERT INTO subscribers (email, status, source, consent_at, unsubscribed_at, confirm_sent_at)
      VALUES ('returning@example.com', 'unsubscribed', 'form', now() - interval '30 days', now() - interval '1 day', now() - interval '1 minute')`);
    await subscribe({ email: 'returning@example.com' });
    const row = await reader('returning@example.com');
    expect(row).toMatchObject({ status: 'pending', consent_at: null });
    const mail = await confirmationTo(h, 'returning@example.com');
    const r = await web.inject({ method: 'POST', url: pathOf(linksIn(mail.html!, '/confirm')[0]!) });
    expect(heading(r.body)).toBe('Welcome, you are in');
    expect(await reader('returning@example.com')).toMatchObject({ status: 'active', unsubscribed_at: null });
  });

  it('gives an erased address a fresh start through the form; its hash goes once it confirms', async () => {
    await subscribe({ email: 'erased@example.com' });
    await confirmationsSettled(h);
    await forgetSubscriber(h.app.db, 'erased@example.com');
    const hashes = async () => (await h.app.db.query(`SELECT count(*)::int AS n FROM forgotten_subscribers WHERE email_hash = encode(sha256('erased@example.com'), 'hex')`)).rows[0].n;
    expect(await hashes()).toBe(1);
    h.fake.reset();
    await subscribe({ email: 'erased@example.com' });
    expect((await reader('erased@example.com')).status).toBe('pending');
    // Not confirmed yet: an import still may not add the address.
    const imported = await importSubscribersCsv(h.app.db, 'email\nerased@example.com\n', { confirmed: true, source: 'import:test' });
    expect(imported.imported).toBe(0);
    await web.inject({ method: 'POST', url: pathOf(linksIn((await confirmationTo(h, 'erased@example.com')).html!, '/confirm')[0]!) });
    expect((await reader('erased@example.com')).status).toBe('active');
    expect(await hashes()).toBe(0);
  });

  it('returns the form with a clear message and the values kept (422) for an invalid address', async () => {
    const r = await subscribe({ email: 'ada@example', name: 'Ada <Lovelace>' });
    expect(r.statusCode).toBe(422);
    expect(r.body).toContain('Enter a valid email address, like name@example.com.');
    expect(r.body).toContain('value="ada@example"');
    expect(r.body).toContain('value="Ada &lt;Lovelace&gt;"');
    expect(r.body).toContain('aria-invalid="true"');
    expect(r.body).toContain('aria-describedby="email-error"');
    const empty = await subscribe({ email: '   ' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Enter your email address.');
    const longName = await subscribe({ email: 'long@example.com', name: 'x'.repeat(101) });
    expect(longName.statusCode).toBe(422);
    expect(longName.body).toContain('Keep the name under 100 characters.');
    expect(await reader('ada@example')).toBeUndefined();
    expect(await reader('long@example.com')).toBeUndefined();
    await confirmationsSettled(h);
    expect(h.fake.deliveries).toHaveLength(0);
  });

  it('accepts a JSON body and answers JSON', async () => {
    const ok = await web.inject({ method: 'POST', url: '/subscribe', payload: { email: 'json@example.com', name: 'Jay' }, remoteAddress: nextIp() });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true });
    expect((await reader('json@example.com')).status).toBe('pending');
    const bad = await web.inject({ method: 'POST', url: '/subscribe', payload: { email: 42 }, remoteAddress: nextIp() });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toEqual({ ok: false, error: 'invalid_input', field: 'email', message: 'The email address must be text.' });
    const notObject = await web.inject({ method: 'POST', url: '/subscribe', payload: '["a@b.co"]', headers: { 'content-type': 'application/json' }, remoteAddress: nextIp() });
    expect(notObject.statusCode).toBe(422);
    expect(notObject.json().message).toBe('Send a form or a JSON object with an email field.');
  });

  it('quietly drops a signup whose honeypot field is filled', async () => {
    const r = await subscribe({ email: 'bot@example.com', website: 'https://spam.example' });
    expect(r.statusCode).toBe(200);
    expect(heading(r.body)).toBe('Check your inbox');
    expect(await reader('bot@example.com')).toBeUndefined();
    await confirmationsSettled(h);
    expect(h.fake.deliveries).toHaveLength(0);
  });

  it('limits signups per IP address, counted in Redis and so shared by every web process', async () => {
    const other = await readerServer(h); // a second web process on the same Redis
    try {
      const from = '203.0.113.7';
      const statuses: number[] = [];
      for (let i = 0; i < SIGNUP_RATE_LIMIT.max; i++) {
        const server = i % 2 === 0 ? web : other;
        statuses.push((await server.inject({ method: 'POST', url: '/subscribe', payload: `email=limit${i}%40example.com`, headers: FORM, remoteAddress: from })).statusCode);
      }
      expect(statuses.every((s) => s === 200)).toBe(true);
      const limited = await other.inject({ method: 'POST', url: '/subscribe', payload: 'email=limit-over%40example.com', headers: FORM, remoteAddress: from });
      expect(limited.statusCode).toBe(429);
      expect(heading(limited.body)).toBe('Too many attempts');
      expect(limited.body).toMatch(/try again in \d+ minutes?/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(await reader('limit-over@example.com')).toBeUndefined();
      // Another address is not affected, and reading pages is never limited.
      expect((await subscribe({ email: 'elsewhere@example.com' }, '203.0.113.8')).statusCode).toBe(200);
      expect((await web.inject({ method: 'GET', url: '/', remoteAddress: from })).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('GET and POST /confirm', () => {
  async function pendingReader(email: string) {
    await subscribe({ email });
    const mail = await confirmationTo(h, email);
    await confirmationsSettled(h);
    return { row: await reader(email), link: pathOf(linksIn(mail.html!, '/confirm')[0]!) };
  }

  it('shows a button that activates the reader, records consent time and source, and welcomes them; a second click is harmless', async () => {
    const { link } = await pendingReader('confirm-me@example.com');
    // Opening the link (a mail scanner does) changes nothing: it shows one button that POSTs the same link.
    const opened = await web.inject({ method: 'GET', url: link });
    expect(opened.statusCode).toBe(200);
    expect(heading(opened.body)).toBe('Confirm your subscription');
    expect(opened.body).toContain(`action="${link}" method="post"`);
    expect((await reader('confirm-me@example.com')).status).toBe('pending');
    const r = await web.inject({ method: 'POST', url: link });
    expect(r.statusCode).toBe(200);
    expect(heading(r.body)).toBe('Welcome, you are in');
    expect(r.headers['x-robots-tag']).toBe('noindex, nofollow');
    const row = await reader('confirm-me@example.com');
    expect(row.status).toBe('active');
    expect(row.source).toBe('form');
    expect(Date.now() - row.consent_at.getTime()).toBeLessThan(60_000);
    const again = await web.inject({ method: 'POST', url: link });
    expect(again.statusCode).toBe(200);
    expect(heading(again.body)).toBe('You are already subscribed');
    expect((await reader('confirm-me@example.com')).consent_at).toEqual(row.consent_at);
  });

  it('offers a new link for an expired one, and sends it', async () => {
    const { row } = await pendingReader('late@example.com');
    const expired = signToken(h.config.tokenSecret, { purpose: 'confirm', subscriberId: row.id, issueId: 0, toolId: 0, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const r = await web.inject({ method: 'GET', url: `/confirm?token=${expired}` });
    expect(r.statusCode).toBe(410);
    expect(heading(r.body)).toBe('This confirmation link has expired');
    expect(r.body).toContain('action="/confirm/resend"');
    expect(r.body).toContain(`value="${expired}"`);
    expect((await reader('late@example.com')).status).toBe('pending');

    // Within ten minutes of the last email, nothing new is sent; after that, one new link.
    const soon = await web.inject({ method: 'POST', url: '/confirm/resend', payload: `token=${expired}`, headers: FORM, remoteAddress: nextIp() });
    expect(heading(soon.body)).toBe('A link is already on its way');
    await confirmationsSettled(h);
    expect(mailsTo('late@example.com')).toHaveLength(1);
    await h.app.db.query(`UPDATE subscribers SET confirm_sent_at = now() - interval '8 days' WHERE id = $1`, [row.id]);
    const resent = await web.inject({ method: 'POST', url: '/confirm/resend', payload: `token=${expired}`, headers: FORM, remoteAddress: nextIp() });
    expect(resent.statusCode).toBe(200);
    expect(heading(resent.body)).toBe('A new link is on its way');
    const second = await confirmationTo(h, 'late@example.com', 2);
    await confirmationsSettled(h);
    expect(mailsTo('late@example.com')).toHaveLength(2);
    const fresh = await web.inject({ method: 'POST', url: pathOf(linksIn(second.html!, '/confirm')[0]!) });
    expect(heading(fresh.body)).toBe('Welcome, you are in');
  });

  it('explains a tampered, truncated or missing link and offers the form, never a 500', async () => {
    const { link, row } = await pendingReader('tamper@example.com');
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const otherReader = token.replace(`c.${row.id}.`, `c.${row.id + 1000}.`);
    const unsubscribeToken = signToken(h.config.tokenSecret, { purpose: 'unsubscribe', subscriberId: row.id, issueId: 0, toolId: 0, expiresAt: 2e9 });
    for (const url of [`/confirm?token=${flipped}`, `/confirm?token=${token.slice(0, 20)}`, `/confirm?token=${otherReader}`, '/confirm', '/confirm?token=', `/confirm?token=${unsubscribeToken}`, '/confirm?token=a&token=b', `/confirm?token=${'x'.repeat(5000)}`]) {
      const r = await web.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(heading(r.body)).toBe('This confirmation link does not work');
      expect(r.body).toContain('action="/subscribe"');
    }
    expect((await reader('tamper@example.com')).status).toBe('pending');
    const resend = await web.inject({ method: 'POST', url: '/confirm/resend', payload: `token=${flipped}`, headers: FORM, remoteAddress: nextIp() });
    expect(resend.statusCode).toBe(400);
  });

  it('does not let an old link bring back a reader who unsubscribed or was suppressed', async () => {
    const { link, row } = await pendingReader('changed-mind@example.com');
    await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = $1`, [row.id]);
    const r = await web.inject({ method: 'GET', url: link });
    expect(r.statusCode).toBe(410);
    expect(heading(r.body)).toBe('This confirmation link is no longer valid');
    const token = new URL(link, 'http://x').searchParams.get('token')!;
    const resend = await web.inject({ method: 'POST', url: '/confirm/resend', payload: `token=${token}`, headers: FORM, remoteAddress: nextIp() });
    expect(resend.statusCode).toBe(410);
    expect(heading(resend.body)).toBe('This confirmation link is no longer valid');
    expect((await reader('changed-mind@example.com')).status).toBe('unsubscribed');
  });
});

describe('confirmations for imported readers', () => {
  it('mails every pending import once, 100 per provider request, and never twice', async () => {
    const csv = 'email,name\n' + Array.from({ length: 230 }, (_, i) => `imported${i}@example.net,Imported ${i}`).join('\n');
    const report = await importSubscribersCsv(h.app.db, csv, { confirmed: false, source: 'import:list.csv' });
    // The import marks each new pending reader as owed in its own chunk's transaction; waking the job sends them.
    expect(report.confirmationsRequested).toBe(230);
    const ids = (await h.app.db.query<{ id: number }>(`SELECT id FROM subscribers WHERE source = 'import:list.csv'`)).rows.map((r) => r.id);
    await wakeConfirmations(h.app.queue('confirm'), 'import');
    await confirmationsSettled(h);
    const batches = h.fake.requests.filter((r) => r.outcome === 'accepted');
    expect(batches.map((b) => b.count)).toEqual([100, 100, 30]);
    expect(new Set(batches.map((b) => b.idempotencyKey)).size).toBe(3);
    expect(h.fake.distinctRecipients()).toBe(230);
    expect(h.fake.deliveries[0]!.html).toContain('Your address was on a list moved to Weekly AI Tool Verdicts');
    // Running the command's step again queues nothing: each address had its email minutes ago.
    expect(await requestConfirmations(h.app, ids, 'import')).toBe(0);
    await confirmationsSettled(h);
    expect(h.fake.accepted()).toBe(230);
  });

  it('drops a request the provider refuses for good, so the next request sends at once', async () => {
    await h.app.db.query(`INSERT INTO subscribers (email, status, source) VALUES ('refused@example.net', 'pending', 'import:x')`);
    const { id } = await reader('refused@example.net');
    h.fake.failNext(1, { status: 422, name: 'validation_error' });
    expect(await requestConfirmations(h.app, [id], 'import')).toBe(1);
    await confirmationsSettled(h);
    expect(h.fake.accepted()).toBe(0);
    expect(await reader('refused@example.net')).toMatchObject({ confirm_sent_at: null, confirm_requested_at: null, confirm_claim: null });
    expect(await requestConfirmations(h.app, [id], 'import')).toBe(1);
    await confirmationTo(h, 'refused@example.net');
    await confirmationsSettled(h);
    expect(h.fake.accepted()).toBe(1);
  });
});
