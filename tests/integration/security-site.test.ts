// What a probe of the web process found about the server as a whole (issue 15), on a listening server
// and real sockets where it matters: slow bodies cut in seconds, the site's headers and pages on every
// response (404s, malformed URLs, /admin with HSTS), the signup limit shared by two web processes without
// Redis, and a warning for TRUST_PROXY=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness } from '../support/harness.js';
import { FORM, heading, readerServer } from '../support/readers.js';
import { freePort } from '../support/ports.js';
import { loadConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { buildServer, startWeb } from '../../src/web/server.js';
import { SIGNUP_RATE_LIMIT } from '../../src/web/routes/signup.js';

let h: Harness;
let web: FastifyInstance;
let port: number;

beforeAll(async () => {
  port = await freePort();
  h = await createHarness({ backend: 'postgres', catalog: false, env: { REQUEST_TIMEOUT_SECONDS: '2', PORT: String(port) } });
  web = await buildServer(h.app);
  await web.listen({ port, host: '127.0.0.1' });
});
afterAll(async () => {
  await web?.close();
  await h?.close();
});

/** Sends the head of a request announcing 10,000 bytes, then one byte a second; resolves with the seconds
 * until the server answered or closed the socket, or null if it was still waiting after `giveUpS`. */
function slowBody(path: string, giveUpS = 12): Promise<number | null> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let drip: NodeJS.Timeout | undefined;
    const done = (v: number | null) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve(v);
    };
    const giveUp = setTimeout(() => done(null), giveUpS * 1000);
    socket.on('connect', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n`);
      drip = setInterval(() => socket.write('a'), 1000);
    });
    const end = () => done((Date.now() - started) / 1000);
    socket.on('data', end);
    socket.on('close', end);
    socket.on('error', end);
  });
}

describe('slow clients', () => {
  it('cuts a body that trickles in within seconds, on the webhook and on the admin login', async () => {
    const [webhook, login, signup] = await Promise.all([slowBody('/webhooks/resend'), slowBody('/admin/login'), slowBody('/subscribe')]);
    for (const seconds of [webhook, login, signup]) {
      expect(seconds).not.toBeNull();
      expect(seconds!).toBeLessThan(6); // REQUEST_TIMEOUT_SECONDS=2, checked every second
    }
  });
});

describe('headers and pages on every response', () => {
  const siteHeaders = (headers: Record<string, unknown>) => {
    expect(headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/); // PUBLIC_URL is https
  };

  it('gives a 404 the site’s page and headers', async () => {
    const res = await web.inject({ url: '/no/such/page', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(404);
    expect(heading(res.body)).toBe('Page not found');
    siteHeaders(res.headers);
  });

  it('answers a malformed URL with the site’s 400 page, not Fastify’s JSON', async () => {
    for (const url of ['/issues/%u002e%u002e', '/%E0%A4%A', '/admin/%zz']) {
      const res = await web.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).not.toContain('FST_ERR_BAD_URL');
      expect(heading(res.body)).toBe('That address could not be read');
      siteHeaders(res.headers);
    }
  });

  it('sends HSTS on /admin too when PUBLIC_URL is https, and on the API', async () => {
    for (const url of ['/admin', '/admin/login', '/healthz']) {
      const res = await web.inject({ url, headers: { accept: 'text/html' } });
      expect(res.headers['strict-transport-security'], url).toMatch(/max-age=\d+/);
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });
});

describe('per-IP signup limit without Redis', () => {
  it('is shared by two web processes on Postgres', async () => {
    const other = await openApp(loadConfig(h.env), { name: 'test-second', logger: createLogger('silent', 'test') });
    const a = await readerServer(h);
    const b = await buildServer(other);
    try {
      const from = '203.0.113.70';
      const statuses: number[] = [];
      for (let i = 0; i < SIGNUP_RATE_LIMIT.max; i++) {
        const server = i % 2 === 0 ? a : b;
        statuses.push((await server.inject({ method: 'POST', url: '/subscribe', payload: `email=pg-limit${i}%40example.com`, headers: FORM, remoteAddress: from })).statusCode);
      }
      expect(statuses.every((s) => s === 200)).toBe(true);
      const limited = await b.inject({ method: 'POST', url: '/subscribe', payload: 'email=pg-over%40example.com', headers: FORM, remoteAddress: from });
      expect(limited.statusCode).toBe(429);
      expect(heading(limited.body)).toBe('Too many attempts');
    } finally {
      await a.close();
      await b.close();
      await other.close();
    }
  });
});

describe('TRUST_PROXY=true', () => {
  it('warns at start-up that X-Forwarded-For can then be forged, and names the alternatives', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const config = loadConfig({ ...h.env, TRUST_PROXY: 'true', PORT: String(await freePort()) });
    const app = await openApp(config, { name: 'test-proxy', logger: pino({ level: 'warn' }, sink) });
    const f = await startWeb(app);
    try {
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40 && /TRUST_PROXY/.test(l.msg));
      expect(warning?.msg).toMatch(/hop count|number of proxies/);
    } finally {
      await f.close();
      await app.close();
    }
  });
});
