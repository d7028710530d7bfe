// What a probe of the web process found about /admin and /metrics (issue 15), against real Postgres and
// Redis: one wrong-token back-off for bearer, basic and form logins, shared by two web processes on either
// backend; sessions that logout and a new ADMIN_TOKEN end; CSRF tokens bound to their session; Origin
// judged against PUBLIC_URL; /metrics not open to anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Backend, type Harness, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { closeAll } from '../support/site.js';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/web/server.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

async function secondApp(h: Harness, env: Record<string, string> = {}): Promise<App> {
  return openApp(loadConfig({ ...h.env, ...env }), { name: 'test-second', logger: createLogger('silent', 'test') });
}

describe.each(['redis', 'postgres'] as Backend[])('wrong tokens, counted across two web processes (%s)', (backend) => {
  let h: Harness;
  let other: App;
  let a: FastifyInstance;
  let b: FastifyInstance;
  beforeAll(async () => {
    h = await createHarness({ backend, catalog: false });
    other = await secondApp(h);
    a = await buildServer(h.app);
    b = await buildServer(other);
  });
  afterAll(() => closeAll(a, b, other, h));

  it('backs off a client that sends wrong bearer, basic and form tokens, and not the right token from another client at its address', async () => {
    const remoteAddress = '192.0.2.10';
    const probe = { 'user-agent': 'probe/1.0' };
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const server = i % 2 === 0 ? a : b; // the two processes take turns
      const res =
        i % 3 === 0
          ? await server.inject({ url: '/admin', headers: { ...probe, authorization: `Bearer wrong-${i}` }, remoteAddress })
          : i % 3 === 1
            ? await server.inject({ url: '/admin', headers: { ...probe, authorization: basic('editor', `wrong-${i}`) }, remoteAddress })
            : await server.inject({ method: 'POST', url: '/admin/login', headers: probe, payload: { token: `wrong-${i}` }, remoteAddress });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Five free tries, then the back-off (1 s, 2 s, 4 s …) answers before the token is looked at.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(8);
    expect(statuses.slice(-10).every((s) => s === 429)).toBe(true);
    // The failing client is refused even with the right token while it waits …
    expect((await a.inject({ url: '/admin', headers: { ...probe, authorization: `Bearer ${TOKEN}` }, remoteAddress })).statusCode).toBe(429);
    // … while an editor's browser at the same address gets in at once, on either process.
    const editor = { 'user-agent': 'Mozilla/5.0 (editor)' };
    expect((await b.inject({ url: '/admin', headers: { ...editor, authorization: `Bearer ${TOKEN}` }, remoteAddress })).statusCode).toBe(200);
    const login = await a.inject({ method: 'POST', url: '/admin/login', headers: editor, payload: { token: TOKEN }, remoteAddress });
    expect(login.statusCode).toBe(303);
  });
});

describe('admin sessions', () => {
  let h: Harness;
  let web: FastifyInstance;
  let other: App;
  let otherWeb: FastifyInstance;
  beforeAll(async () => {
    h = await createHarness({ backend: 'redis', catalog: false });
    web = await buildServer(h.app);
    other = await secondApp(h);
    otherWeb = await buildServer(other);
  });
  afterAll(() => closeAll(web, otherWeb, other, h));

  async function login(server = web) {
    const res = await server.inject({ method: 'POST', url: '/admin/login', payload: { token: TOKEN } });
    expect(res.statusCode).toBe(303);
    const cookie = res.cookies.find((c) => c.name === 'verdicts_admin')!.value;
    const page = await server.inject({ url: '/admin', cookies: { verdicts_admin: cookie }, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    // Every cookie the browser would now hold (a CSRF secret cookie, if the server sets one).
    const jar = Object.fromEntries([...res.cookies, ...page.cookies].map((c) => [c.name, c.value]));
    return { cookie, jar, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }

  it('gives each login its own session, which logout ends for every web process', async () => {
    const one = await login();
    const two = await login();
    expect(one.cookie).not.toBe(two.cookie); // two logins in the same second differ
    // The session lives in the database: the other process knows it too.
    expect((await otherWeb.inject({ url: '/admin', cookies: { verdicts_admin: one.cookie } })).statusCode).toBe(200);
    const out = await web.inject({ method: 'POST', url: '/admin/logout', cookies: one.jar, payload: { _csrf: one.csrf } });
    expect(out.statusCode).toBe(303);
    for (const server of [web, otherWeb]) {
      const after = await server.inject({ url: '/admin', cookies: { verdicts_admin: one.cookie } });
      expect(after.statusCode).toBe(401);
    }
    // The other session is untouched.
    expect((await web.inject({ url: '/admin', cookies: { verdicts_admin: two.cookie } })).statusCode).toBe(200);
  });

  it('binds the CSRF token to its session', async () => {
    const one = await login();
    const two = await login();
    // Session two's cookie with everything else of session one's browser: refused.
    const swapped = await web.inject({ method: 'POST', url: '/admin/logout', cookies: { ...one.jar, verdicts_admin: two.cookie }, payload: { _csrf: one.csrf } });
    expect(swapped.statusCode).toBe(403);
    expect((await web.inject({ url: '/admin', cookies: { verdicts_admin: two.cookie } })).statusCode).toBe(200);
  });

  it('ends every session when ADMIN_TOKEN changes', async () => {
    const { cookie } = await login();
    const rotated = await secondApp(h, { ADMIN_TOKEN: 'a-new-admin-token-4567' });
    const rotatedWeb = await buildServer(rotated);
    try {
      expect((await rotatedWeb.inject({ url: '/admin', cookies: { verdicts_admin: cookie } })).statusCode).toBe(401);
      expect((await rotatedWeb.inject({ url: '/admin', headers: { authorization: 'Bearer a-new-admin-token-4567' } })).statusCode).toBe(200);
    } finally {
      await rotatedWeb.close();
      await rotated.close();
    }
  });

  it('judges Origin against PUBLIC_URL, not against the Host header the caller chose', async () => {
    const { jar, csrf } = await login();
    // inject's Host is localhost:80: an Origin that only matches it is another site.
    const hostOnly = await web.inject({ method: 'POST', url: '/admin/logout', cookies: jar, headers: { origin: 'http://localhost:80' }, payload: { _csrf: csrf } });
    expect(hostOnly.statusCode).toBe(403);
    const ours = await web.inject({ method: 'POST', url: '/admin/logout', cookies: jar, headers: { origin: 'https://verdicts.example.org' }, payload: { _csrf: csrf } });
    expect(ours.statusCode).toBe(303);
  });
});

describe('/metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ backend: 'postgres', catalog: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers only to its bearer token on PORT', async () => {
    const app = await secondApp(h, { METRICS_TOKEN: 'metrics-token-0123456789' });
    const web = await buildServer(app);
    try {
      const anyone = await web.inject({ url: '/metrics' });
      expect(anyone.statusCode).toBe(401);
      expect(anyone.body).not.toContain('verdicts_');
      expect((await web.inject({ url: '/metrics', headers: { authorization: 'Bearer not-the-metrics-token' } })).statusCode).toBe(401);
      const scraper = await web.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
      expect(scraper.statusCode).toBe(200);
      expect(scraper.body).toContain('process_resident_memory_bytes');
    } finally {
      await web.close();
      await app.close();
    }
  });

  it('is not served on PORT at all when METRICS_PORT is set', async () => {
    const app = await secondApp(h, { METRICS_PORT: '0' });
    const web = await buildServer(app);
    try {
      expect((await web.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    } finally {
      await web.close();
      await app.close();
    }
  });
});
