// /admin against a real Postgres, Redis and the fake Resend: the token gate (and no reader address for
// anonymous callers), cross-site refusal, the approval rules with the quality gate and the missed
// cut-off, test sends that reach one address and never the ledger, re-planning, results, the outbox
// and bull-board on both queue backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { addReaders, createHarness, type Harness, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { closeAll } from '../support/site.js';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { recountIssue } from '../../src/delivery/counts.js';
import { buildServer } from '../../src/web/server.js';
import { planWeek } from '../../src/issues/plan.js';
import { renderWeek } from '../../src/issues/lifecycle.js';
import { comparisonsOf, findIssue } from '../../src/issues/repo.js';
import { approvalDeadline, afterScheduledRender } from '../../src/issues/schedule.js';
import { approveWithGate, issueQuality, QualityGateError, scheduledSlot } from '../../src/issues/approval.js';
import { isoWeekOf } from '../../src/issues/week.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import { scheduleDeps } from '../../src/queue/schedule-jobs.js';
import { jobIdOf } from '../../src/queue/jobs.js';
import { previewCommand } from '../../src/cli/preview-command.js';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const bearer = { authorization: `Bearer ${TOKEN}` };
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
const json = { ...bearer, accept: 'application/json' };

let h: Harness; // Resend (fake provider), Redis queues, approval required
let web: FastifyInstance;
let outboxApp: App; // the same database without RESEND_API_KEY: outbox mailer, PostgreSQL queues
let outboxWeb: FastifyInstance;
let readers: string[];

const thisWeek = isoWeekOf(new Date());
const W = '2030-W10'; // a future week: its slot has not come, so approving it starts nothing

async function planAndRender(week: string) {
  await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
  return renderWeek(h.app.db, h.app.log, week, h.app.config);
}

async function deliveriesOf(week: string): Promise<number> {
  const { rows } = await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries d JOIN issues i ON i.id = d.issue_id WHERE i.week = $1`, [week]);
  return rows[0].n;
}

/** A browser session: log in through the form, then read the CSRF token from a page. */
async function browserSession(server: FastifyInstance, week: string) {
  const login = await server.inject({ method: 'POST', url: '/admin/login', payload: { token: TOKEN, next: `/admin/issues/${week}` } });
  expect(login.statusCode).toBe(303);
  const session = login.cookies.find((c) => c.name === 'verdicts_admin')!;
  const pageRes = await server.inject({ url: `/admin/issues/${week}`, cookies: { verdicts_admin: session.value }, headers: { accept: 'text/html' } });
  expect(pageRes.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(pageRes.body)![1]!;
  return { cookies: { verdicts_admin: session.value }, csrf, session };
}

function noAddresses(res: LightMyRequestResponse) {
  for (const r of readers) expect(res.body).not.toContain(r);
  expect(res.body).not.toMatch(/@example\.(net|com)/);
}

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', env: { REQUIRE_APPROVAL: 'true' } });
  await addReaders(h.app, 3);
  readers = ['reader0@example.net', 'reader1@example.net', 'reader2@example.net'];
  web = await buildServer(h.app);
  const { RESEND_API_KEY: _k, RESEND_BASE_URL: _u, REDIS_URL: _r, ...rest } = h.env;
  const config = loadConfig({ ...rest, QUEUE_PREFIX: `${h.env.QUEUE_PREFIX}-pg` });
  outboxApp = await openApp(config, { name: 'test-outbox', logger: createLogger('silent', 'test') });
  outboxWeb = await buildServer(outboxApp);
  await planAndRender(W);
});

afterAll(() => closeAll(web, outboxWeb, outboxApp, h));

describe('the token gate', () => {
  const paths = () => [
    '/admin',
    `/admin/issues/${W}`,
    `/admin/issues/${W}/email.html`,
    `/admin/issues/${W}/progress.json`,
    '/admin/outbox',
    '/admin/outbox/1',
    '/admin/outbox/1/html',
    '/admin/queues',
    '/admin/queues/api/queues',
  ];

  it('answers 401 with WWW-Authenticate without a token, or with a wrong one, and never shows a reader address', async () => {
    // Put a message in the outbox first, so a leak would have something to leak.
    await outboxWeb.inject({ method: 'POST', url: `/admin/issues/${W}/test`, headers: json, payload: { to: 'reader0@example.net' } });
    let caller = 0; // each from its own address: wrong tokens from one address are soon answered 429 (security test)
    for (const url of paths()) {
      for (const headers of [{}, { accept: 'text/html' }, { authorization: 'Bearer wrong-token-000000' }, basic('editor', 'wrong'), { authorization: `Bearer ${TOKEN}x` }, { cookie: 'verdicts_admin=1.abc' }]) {
        for (const server of [web, outboxWeb]) {
          const res = await server.inject({ url, headers, remoteAddress: `198.51.${100 + (caller >> 8)}.${++caller % 256}` });
          expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
          // A browser asking for a page gets the login form (no prompt); everything else a basic-auth challenge.
          expect(res.headers['www-authenticate']).toMatch('accept' in headers ? /^Bearer realm=/ : /^Basic realm=/);
          if ('accept' in headers) expect(res.body).toContain('name="token"');
          noAddresses(res);
        }
      }
    }
  });

  it('lets the token in as a bearer token, a basic-auth password or the login cookie', async () => {
    for (const headers of [bearer, basic('ada', TOKEN), basic('', TOKEN)]) {
      const res = await web.inject({ url: '/admin', headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(W);
    }
    const wrong = await web.inject({ method: 'POST', url: '/admin/login', payload: { token: 'nope' }, remoteAddress: '203.0.113.99' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies.find((c) => c.name === 'verdicts_admin')).toBeUndefined();
    const { session } = await browserSession(web, W);
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    expect(session.path).toBe('/admin');
    expect(session.secure).toBe(true); // PUBLIC_URL is https
  });

  it('refuses anonymous actions and changes nothing', async () => {
    const before = (await findIssue(h.app.db, W))!.state;
    const res = await web.inject({ method: 'POST', url: `/admin/issues/${W}/approve`, payload: {} });
    expect(res.statusCode).toBe(401);
    expect((await findIssue(h.app.db, W))!.state).toBe(before);
  });
});

describe('cross-site requests', () => {
  it('refuses a POST without the CSRF token, from another origin, or marked cross-site', async () => {
    const s = await browserSession(web, W);
    const url = `/admin/issues/${W}/hold`;
    const noToken = await web.inject({ method: 'POST', url, cookies: s.cookies, payload: { reason: 'x' } });
    expect(noToken.statusCode).toBe(403);
    const evil = await web.inject({ method: 'POST', url, cookies: s.cookies, headers: { origin: 'https://evil.example' }, payload: { _csrf: s.csrf, reason: 'x' } });
    expect(evil.statusCode).toBe(403);
    const crossSite = await web.inject({ method: 'POST', url, cookies: s.cookies, headers: { 'sec-fetch-site': 'cross-site' }, payload: { _csrf: s.csrf } });
    expect(crossSite.statusCode).toBe(403);
    // Basic auth is sent by browsers cross-site too: it still needs the token and the same origin.
    const viaBasic = await web.inject({ method: 'POST', url, headers: { ...basic('ada', TOKEN), origin: 'https://evil.example' }, payload: {} });
    expect(viaBasic.statusCode).toBe(403);
    const basicNoCsrf = await web.inject({ method: 'POST', url, headers: basic('ada', TOKEN), payload: {} });
    expect(basicNoCsrf.statusCode).toBe(403);
    const bearerEvil = await web.inject({ method: 'POST', url, headers: { ...json, origin: 'https://evil.example' }, payload: {} });
    expect(bearerEvil.statusCode).toBe(403);
    expect((await findIssue(h.app.db, W))!.state).toBe('rendered');

    // The same form from our own page goes through.
    const ok = await web.inject({ method: 'POST', url, cookies: s.cookies, headers: { origin: 'https://verdicts.example.org', 'sec-fetch-site': 'same-origin' }, payload: { _csrf: s.csrf, reason: 'checking figures' } });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/admin/issues/${W}?done=held`);
    const held = (await findIssue(h.app.db, W))!;
    expect(held.state).toBe('held');
    expect(held.state_reason).toBe('checking figures');
  });
});

describe('the issue page', () => {
  it('shows the pairs with the planner’s reasons, the frames, the size against 102 KB and the links', async () => {
    const issue = (await findIssue(h.app.db, W))!;
    const pairs = await comparisonsOf(h.app.db, issue.id);
    const res = await web.inject({ url: `/admin/issues/${W}`, headers: bearer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    for (const p of pairs) for (const r of p.reasons) expect(res.body).toContain(r.replace(/&/g, '&amp;').replace(/'/g, '&#x27;'));
    expect(res.body).toContain(`src="/admin/issues/${W}/email.html"`);
    expect(res.body).toMatch(/KB<\/b> of Gmail’s 102\.0 KB/);
    expect(res.body).toContain('Links in the email');
    expect(res.body).toContain('/unsubscribe?token=');

    const phone = await web.inject({ url: `/admin/issues/${W}?view=phone`, headers: bearer });
    expect(phone.body).toContain('width="375"');
    const text = await web.inject({ url: `/admin/issues/${W}?view=text`, headers: bearer });
    expect(text.body).toContain('data-testid="text-version"');
    expect(text.body).toContain('WEEKLY AI TOOL VERDICTS');

    const frame = await web.inject({ url: `/admin/issues/${W}/email.html`, headers: bearer });
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-security-policy']).toContain("default-src 'none'");
    expect(frame.body).toContain('<base target="_blank">');
    expect(frame.body).not.toMatch(/%%[A-Z_0-9]+%%/);
  });

  it('checks a render once: the quality report is kept until the render changes', async () => {
    const week = '2030-W11';
    const issue = await planAndRender(week);
    const first = await issueQuality(h.app.db, issue, h.config);
    expect(first.failures).toEqual([]);
    // The same render again (another page view): the report made the first time.
    expect(await issueQuality(h.app.db, (await findIssue(h.app.db, week))!, h.config)).toBe(first);
    // A changed render (an edit, or rows written by hand): checked anew.
    await h.app.db.query(`UPDATE issues SET html = replace(html, ' lang="en"', '') WHERE id = $1`, [issue.id]);
    const changed = await issueQuality(h.app.db, (await findIssue(h.app.db, week))!, h.config);
    expect(changed).not.toBe(first);
    expect(changed.failures.map((f) => f.check)).toContain('lang');
    const page = await web.inject({ url: `/admin/issues/${week}`, headers: { ...bearer, accept: 'text/html' } });
    expect(page.body).toContain('no lang attribute');
    // Rendered again: the stored render is whole again and so is its report.
    await renderWeek(h.app.db, h.app.log, week, h.app.config);
    expect((await issueQuality(h.app.db, (await findIssue(h.app.db, week))!, h.config)).failures).toEqual([]);
  });

  it('answers 404 for a week without an issue and for a week that does not exist', async () => {
    expect((await web.inject({ url: '/admin/issues/2031-W01', headers: bearer })).statusCode).toBe(404);
    expect((await web.inject({ url: '/admin/issues/2031-W60', headers: bearer })).statusCode).toBe(404);
  });
});

describe('re-planning', () => {
  it('excludes a pair for good, pins a pair, and re-renders each time', async () => {
    const week = '2030-W11';
    await planAndRender(week);
    const issue = (await findIssue(h.app.db, week))!;
    const [first] = await comparisonsOf(h.app.db, issue.id);
    const ex = await web.inject({ method: 'POST', url: `/admin/issues/${week}/replan`, headers: json, payload: { mode: 'exclude', a: first!.tool_a_id, b: first!.tool_b_id } });
    expect(ex.json()).toMatchObject({ ok: true, state: 'rendered', done: 'replanned' });
    let now = await comparisonsOf(h.app.db, issue.id);
    expect(now.some((c) => c.tool_a_id === first!.tool_a_id && c.tool_b_id === first!.tool_b_id)).toBe(false);

    // Pinning the other way round is the same pair; the exclusion survives a later re-plan.
    const pin = await web.inject({ method: 'POST', url: `/admin/issues/${week}/replan`, headers: json, payload: { mode: 'pin', a: now[0]!.tool_b_id, b: now[0]!.tool_a_id } });
    expect(pin.statusCode).toBe(200);
    now = await comparisonsOf(h.app.db, issue.id);
    expect(now[0]!.reasons).toContain('pinned by an editor');
    expect(now.some((c) => c.tool_a_id === first!.tool_a_id && c.tool_b_id === first!.tool_b_id)).toBe(false);
    expect((await findIssue(h.app.db, week))!.html).toBeTruthy();

    const again = await web.inject({ method: 'POST', url: `/admin/issues/${week}/replan`, headers: json, payload: { mode: 'pin', a: first!.tool_a_id, b: first!.tool_b_id } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatch(/excluded/);

    const fresh = await web.inject({ method: 'POST', url: `/admin/issues/${week}/replan`, headers: json, payload: { mode: 'fresh' } });
    expect(fresh.statusCode).toBe(200);
    now = await comparisonsOf(h.app.db, issue.id);
    expect(now.every((c) => !c.reasons.includes('pinned by an editor'))).toBe(true);
  });

  it('plans a new week from the list and opens an existing one as it is', async () => {
    const res = await web.inject({ method: 'POST', url: '/admin/issues', headers: json, payload: { week: '2030-W12' } });
    expect(res.json()).toMatchObject({ ok: true, state: 'rendered', done: 'planned' });
    const again = await web.inject({ method: 'POST', url: '/admin/issues', headers: json, payload: { week: '2030-W12' } });
    expect(again.json()).toMatchObject({ done: 'opened' });
    expect((await web.inject({ method: 'POST', url: '/admin/issues', headers: json, payload: { week: 'soon' } })).statusCode).toBe(422);
  });
});

describe('test sends', () => {
  it('sends one message to one address at the provider, marked as a test, and writes no delivery row', async () => {
    const week = '2030-W13';
    await planAndRender(week);
    h.fake.reset();
    const res = await web.inject({ method: 'POST', url: `/admin/issues/${week}/test`, headers: json, payload: { to: 'editor@example.org' } });
    expect(res.json()).toMatchObject({ ok: true, done: 'test-sent' });
    expect(h.fake.deliveries).toHaveLength(1);
    const d = h.fake.deliveries[0]!;
    expect(d.to).toEqual(['editor@example.org']);
    expect(d.subject).toMatch(/^\[TEST\] /);
    expect(d.html).not.toMatch(/%%[A-Z_0-9]+%%/);
    expect(d.tags).toEqual(expect.arrayContaining([{ name: 'issue', value: week }, { name: 'test', value: 'true' }]));
    expect(d.headers?.['List-Unsubscribe']).toMatch(/^<https:\/\/verdicts\.example\.org\/unsubscribe\?token=/);
    // Links are signed for reader 0: nobody.
    const token = /\/vote\?token=([^&"]+)/.exec(d.html!)![1]!;
    const check = verifyToken(h.config.tokenSecret, decodeURIComponent(token), 'vote');
    expect(check.ok && check.claims.subscriberId).toBe(0);
    expect(await deliveriesOf(week)).toBe(0);

    // A second test is a new message with its own idempotency key.
    await web.inject({ method: 'POST', url: `/admin/issues/${week}/test`, headers: json, payload: { to: 'editor@example.org' } });
    expect(h.fake.deliveries).toHaveLength(2);
    expect(h.fake.deliveries[1]!.idempotencyKey).not.toBe(d.idempotencyKey);
    expect(await deliveriesOf(week)).toBe(0);

    const page = await web.inject({ url: `/admin/issues/${week}`, headers: bearer });
    expect(page.body).toContain('Recent test sends');
    expect(page.body).toContain('editor@example.org');
  });

  it('goes to the outbox when there is no API key, still without a delivery row', async () => {
    const week = '2030-W14';
    await planAndRender(week);
    const res = await outboxWeb.inject({ method: 'POST', url: `/admin/issues/${week}/test`, headers: json, payload: { to: 'desk@example.org' } });
    expect(res.json()).toMatchObject({ ok: true });
    const { rows } = await outboxApp.db.query(`SELECT to_address, subject, tags FROM outbox WHERE to_address = 'desk@example.org'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].subject).toMatch(/^\[TEST\] /);
    expect(await deliveriesOf(week)).toBe(0);
  });

  it('refuses anything but one address, and sends nothing', async () => {
    h.fake.reset();
    for (const to of ['', 'a@example.org, b@example.org', 'Ada <a@example.org>', 'a@example.org\r\nBcc: b@example.org', 'no-at-sign']) {
      const res = await web.inject({ method: 'POST', url: `/admin/issues/${W}/test`, headers: json, payload: { to } });
      expect(res.statusCode, to).toBe(422);
    }
    expect(h.fake.deliveries).toHaveLength(0);
  });
});

describe('approval', () => {
  it('refuses an issue that fails the quality gate, with the reasons, and approves it once fixed', async () => {
    const week = '2030-W15';
    const issue = await planAndRender(week);
    // A broken template: no lang, an image without alt, a relative link, an unknown placeholder.
    const broken = issue
      .html!.replace(/(<html[^>]*?) lang="en"/, '$1')
      .replace('</body>', '<img src="https://verdicts.example.org/logo.png"><a href="/issues">archive</a><p>Hi %%FIRST_NAME%%</p></body>');
    await h.app.db.query(`UPDATE issues SET html = $2 WHERE id = $1`, [issue.id, broken]);

    const res = await web.inject({ method: 'POST', url: `/admin/issues/${week}/approve`, headers: { ...bearer, accept: 'text/html' } });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('fails the quality gate');
    expect(res.body).toContain('no lang attribute');
    expect(res.body).toContain('has no alt text');
    expect(res.body).toContain('&quot;/issues&quot;');
    expect(res.body).toContain('%%FIRST_NAME%%');
    expect((await findIssue(h.app.db, week))!.state).toBe('rendered');
    // The CLI's `verdicts send` path uses the same gate.
    await expect(approveWithGate(h.app.db, h.app.log, week, 'operator', h.config)).rejects.toBeInstanceOf(QualityGateError);
    // Without approval required, the schedule does not send it either: it waits for an editor.
    const deps = { ...scheduleDeps(h.app), requireApproval: false, enqueue: { render: async () => {}, fanOut: async () => { throw new Error('must not send'); }, deadline: async () => {} } };
    expect(await afterScheduledRender(deps, week, Date.now() + 3600_000)).toBe('awaiting-approval');

    const rerender = await web.inject({ method: 'POST', url: `/admin/issues/${week}/render`, headers: json });
    expect(rerender.json()).toMatchObject({ ok: true, done: 'rendered' });
    const ok = await web.inject({ method: 'POST', url: `/admin/issues/${week}/approve`, headers: json });
    expect(ok.json()).toMatchObject({ ok: true, state: 'approved', done: 'approved' });
    const approved = (await findIssue(h.app.db, week))!;
    expect(approved.approved_by).toBe('api');
    // Before its slot nothing is queued: the schedule sends it.
    expect(await h.app.queue('render').getJob(jobIdOf('fan-out', { week, trigger: 'approval', notAfter: null })!)).toBeFalsy();
  });

  it('refuses an issue that is not rendered, cancelled or missed', async () => {
    const planned = '2030-W16';
    await planWeek(h.app.db, h.app.log, planned, { pairsPerIssue: 2 });
    const a = await web.inject({ method: 'POST', url: `/admin/issues/${planned}/approve`, headers: json });
    expect(a.statusCode).toBe(409);
    expect(a.json().error).toMatch(/not rendered/);

    const cancelled = '2030-W17';
    await planAndRender(cancelled);
    const noConfirm = await web.inject({ method: 'POST', url: `/admin/issues/${cancelled}/cancel`, headers: json, payload: { reason: 'x' } });
    expect(noConfirm.statusCode).toBe(409);
    const c = await web.inject({ method: 'POST', url: `/admin/issues/${cancelled}/cancel`, headers: json, payload: { reason: 'pulled', confirm: 'yes' } });
    expect(c.json()).toMatchObject({ state: 'cancelled' });
    const b = await web.inject({ method: 'POST', url: `/admin/issues/${cancelled}/approve`, headers: json });
    expect(b.statusCode).toBe(409);
    expect(b.json().error).toMatch(/cancelled/);
  });

  it('marks an issue missed when no approval comes before the cut-off, and then refuses approval', async () => {
    const week = '2030-W18';
    await planAndRender(week);
    const deps = scheduleDeps(h.app);
    const cutoff = Date.now() + 60_000;
    expect(await approvalDeadline(deps, week, cutoff)).toBe(false); // not yet
    expect((await findIssue(h.app.db, week))!.state).toBe('rendered');
    expect(await approvalDeadline(deps, week, cutoff, new Date(cutoff + 1))).toBe(true);
    const missed = (await findIssue(h.app.db, week))!;
    expect(missed.state).toBe('missed');
    expect(missed.state_reason).toMatch(/not approved before the cut-off/);
    const res = await web.inject({ method: 'POST', url: `/admin/issues/${week}/approve`, headers: json });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/missed/);
    // An approved issue is left alone by the deadline.
    const other = '2030-W19';
    await planAndRender(other);
    await approveWithGate(h.app.db, h.app.log, other, 'editor', h.config);
    expect(await approvalDeadline(deps, other, cutoff, new Date(cutoff + 1))).toBe(false);
    expect((await findIssue(h.app.db, other))!.state).toBe('approved');
  });

  it('approved after the slot but before the cut-off: the send starts at once', async () => {
    // A daily slot an hour ago (UTC), so this week's latest slot has passed and its cut-off has not.
    const hourAgo = new Date(Date.now() - 3600_000);
    const cron = `${hourAgo.getUTCMinutes()} ${hourAgo.getUTCHours()} * * *`;
    const { RESEND_API_KEY: _k, ...env } = h.env;
    const app = await openApp(loadConfig({ ...env, RESEND_API_KEY: 're_test_key', SCHEDULE_CRON: cron }), { name: 'test-late', logger: createLogger('silent', 'test') });
    try {
      const server = await buildServer(app);
      const week = thisWeek;
      const slot = scheduledSlot(week, cron, 'UTC')!;
      expect(Math.abs(slot.getTime() - hourAgo.getTime())).toBeLessThan(61_000);
      await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
      await renderWeek(app.db, app.log, week, app.config);
      const res = await server.inject({ method: 'POST', url: `/admin/issues/${week}/approve`, headers: json });
      expect(res.json()).toMatchObject({ ok: true, state: 'approved', done: 'approved-sending' });
      const job = await app.queue('render').getJob(jobIdOf('fan-out', { week, trigger: 'approval', notAfter: null })!);
      expect(job?.data).toMatchObject({ week, trigger: 'approval', notAfter: slot.getTime() + 24 * 3600_000 });
      // The page follows the send that is about to start.
      const page = await server.inject({ url: `/admin/issues/${week}`, headers: bearer });
      expect(page.body).toContain('Approved and due: waiting for the workers to start the send.');
      expect(page.body).toContain(`data-progress-url="/admin/issues/${week}/progress.json"`);
      await server.close();
    } finally {
      await app.close();
    }
  });
});

describe('progress and results', () => {
  it('shows live progress while sending and the results with charts once sent', async () => {
    const week = '2030-W20';
    const issue = await planAndRender(week);
    const [pair] = await comparisonsOf(h.app.db, issue.id);
    const { rows: subs } = await h.app.db.query<{ id: number }>(`SELECT id FROM subscribers ORDER BY id LIMIT 3`);
    const start = new Date(Date.now() - 120_000);
    await h.app.db.query(`UPDATE issues SET state = 'sending', send_started_at = $2, audience_size = 3, batch_count = 1 WHERE id = $1`, [issue.id, start]);
    for (const [i, s] of subs.entries()) {
      await h.app.db.query(`INSERT INTO deliveries (issue_id, subscriber_id, batch_no, state, sent_at, events) VALUES ($1, $2, 0, $3, $4, $5)`, [
        issue.id,
        s.id,
        i < 2 ? 'sent' : 'queued',
        i < 2 ? new Date(start.getTime() + 30_000 * (i + 1)) : null,
        i === 0 ? JSON.stringify({ delivered: { count: 1 }, opened: { count: 2 }, clicked: { count: 1 } }) : i === 1 ? JSON.stringify({ delivered: { count: 1 } }) : '{}',
      ]);
    }
    // Rows written by hand, not through the ledger: bring the issue's figures up to date with them.
    await recountIssue(h.app.db, issue.id);
    const sending = await web.inject({ url: `/admin/issues/${week}`, headers: bearer });
    expect(sending.body).toContain('Send progress');
    expect(sending.body).toContain(`data-progress-url="/admin/issues/${week}/progress.json"`);
    expect(sending.body).toMatch(/<noscript><meta http-equiv="refresh" content="5"\/><\/noscript>/);
    const p = await web.inject({ url: `/admin/issues/${week}/progress.json`, headers: bearer });
    expect(p.json()).toMatchObject({ state: 'sending', to_send: 3, sent: 2, pending: 1, percent: 66 });
    expect(p.headers['cache-control']).toBe('no-store');

    await h.app.db.query(`UPDATE deliveries SET state = 'sent', sent_at = now() WHERE issue_id = $1 AND state = 'queued'`, [issue.id]);
    await recountIssue(h.app.db, issue.id);
    await h.app.db.query(`UPDATE issues SET state = 'sent', sent_at = now() WHERE id = $1`, [issue.id]);
    await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = $1`, [subs[2]!.id]);
    await h.app.db.query(`INSERT INTO votes (subscriber_id, tool_id, issue_id, choice) VALUES ($1, $3, $4, 'ship'), ($2, $3, $4, 'skip')`, [subs[0]!.id, subs[1]!.id, pair!.tool_a_id, issue.id]);
    // A sent issue's progress never changes again: the browser may keep it (the page itself stays no-store).
    const final = await web.inject({ url: `/admin/issues/${week}/progress.json`, headers: bearer });
    expect(final.json()).toMatchObject({ state: 'sent', to_send: 3, sent: 3, pending: 0, percent: 100 });
    expect(final.headers['cache-control']).toBe('private, max-age=86400, immutable');
    const sent = await web.inject({ url: `/admin/issues/${week}`, headers: bearer });
    expect(sent.headers['cache-control']).toBe('no-store');
    expect(sent.body).toContain('Results');
    const tile = (label: string) => new RegExp(`<b>(\\d+)</b><small>${label}`).exec(sent.body)?.[1];
    expect(tile('sent')).toBe('3');
    expect(tile('delivered')).toBe('2');
    expect(tile('opened')).toBe('1');
    expect(tile('clicked')).toBe('1');
    expect(tile('bounced')).toBe('0');
    expect(tile('unsubscribed after')).toBe('1');
    expect(tile('votes')).toBe('2');
    expect(sent.body).toContain('<svg');
    expect(sent.body).toMatch(/Votes per tool: [^<]*1 ship, 1 skip/);
    await h.app.db.query(`UPDATE subscribers SET status = 'active', unsubscribed_at = NULL WHERE id = $1`, [subs[2]!.id]);

    const list = await web.inject({ url: '/admin', headers: bearer });
    expect(list.body).toContain('3 of 3 (100%)');
  });
});

describe('the outbox', () => {
  it('lists every message with its address, subject, time and issue, and shows each as the reader sees it', async () => {
    const res = await outboxWeb.inject({ url: '/admin/outbox', headers: bearer });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('desk@example.org');
    expect(res.body).toContain('[TEST] ');
    expect(res.body).toContain('2030-W14');
    const { rows } = await outboxApp.db.query(`SELECT id FROM outbox WHERE to_address = 'desk@example.org'`);
    const one = await outboxWeb.inject({ url: `/admin/outbox/${rows[0].id}`, headers: bearer });
    expect(one.body).toContain('List-Unsubscribe');
    expect(one.body).toContain(`src="/admin/outbox/${rows[0].id}/html"`);
    const html = await outboxWeb.inject({ url: `/admin/outbox/${rows[0].id}/html`, headers: bearer });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toMatch(/<html[^>]* lang="en"/);
    const text = await outboxWeb.inject({ url: `/admin/outbox/${rows[0].id}?view=text`, headers: bearer });
    expect(text.body).toContain('WEEKLY AI TOOL VERDICTS');
  });
});

describe('bull-board', () => {
  it('serves the dashboard and the app’s queues behind the token on Redis and on PostgreSQL', async () => {
    for (const [server, app] of [
      [web, h.app],
      [outboxWeb, outboxApp],
    ] as const) {
      const ui = await server.inject({ url: '/admin/queues', headers: bearer });
      expect(ui.statusCode).toBe(200);
      expect(ui.body).toContain('<base href="/admin/queues');
      const api = await server.inject({ url: '/admin/queues/api/queues', headers: bearer });
      expect(api.statusCode).toBe(200);
      const names = (api.json().queues as Array<{ name: string }>).map((q) => q.name).sort();
      expect(names).toEqual([`${app.queuePrefix}-confirm`, `${app.queuePrefix}-render`, `${app.queuePrefix}-schedule`, `${app.queuePrefix}-send`]);
      // Its unsafe calls are refused cross-site like every other admin action.
      const pause = await server.inject({ method: 'PUT', url: `/admin/queues/api/queues/${app.queuePrefix}-send/pause`, headers: { ...bearer, origin: 'https://evil.example' } });
      expect(pause.statusCode).toBe(403);
    }
  });
});

describe('verdicts preview', () => {
  it('renders the planned issue from the database with today’s figures, personalised for nobody, without touching the stored issue', async () => {
    const week = '2030-W25';
    const stored = await planAndRender(week);
    const [pair] = await comparisonsOf(h.app.db, stored.id);
    // Five readers vote after the render: the preview shows the community figure, the stored issue does not.
    const ids = await addReaders(h.app, 5, 100);
    for (const [i, id] of ids.entries()) {
      await h.app.db.query(`INSERT INTO votes (subscriber_id, tool_id, choice) VALUES ($1, $2, $3)`, [id, pair!.tool_a_id, i < 4 ? 'ship' : 'skip']);
    }
    const log = console.log;
    const lines: string[] = [];
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    let code: number;
    try {
      code = await previewCommand(h.app, week, {});
    } finally {
      console.log = log;
    }
    expect(code).toBe(0);
    const dir = path.resolve(h.config.dataDir, 'previews');
    expect(lines.join('\n')).toContain(path.join(dir, `${week}.html`));
    expect(lines.join('\n')).toContain('all quality checks pass');
    const html = await readFile(path.join(dir, `${week}.html`), 'utf8');
    const text = await readFile(path.join(dir, `${week}.txt`), 'utf8');
    expect(text).toContain('80% (4 of 5 votes)');
    expect(stored.text).not.toContain('80% (4 of 5 votes)');
    expect(html + text).not.toMatch(/%%[A-Z_0-9]+%%/);
    expect(text).toMatch(/unsubscribe\?token=u\.0\./);
    const after = (await findIssue(h.app.db, week))!;
    expect(after.html).toBe(stored.html);
    expect(after.state).toBe('rendered');
    await h.app.db.query(`DELETE FROM votes WHERE subscriber_id = ANY($1::bigint[])`, [ids]);
    await h.app.db.query(`DELETE FROM subscribers WHERE id = ANY($1::bigint[])`, [ids]);
    await rm(path.resolve(h.config.dataDir), { recursive: true, force: true });
  });

  it('says so when the week has no issue', async () => {
    await expect(previewCommand(h.app, '2031-W02', {})).rejects.toThrow(/no issue planned for 2031-W02/);
  });
});

