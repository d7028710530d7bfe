// The web process's pools: every statement of a web request runs under a timeout, and the admin pages
// have a small pool of their own, so a slow editor's page never takes the connections signups and
// webhooks need.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness } from '../support/harness.js';
import { buildServer, withWebPools, WEB_STATEMENT_TIMEOUT_MS } from '../../src/web/server.js';
import { ADMIN_POOL_MAX, ADMIN_STATEMENT_TIMEOUT_MS } from '../../src/db/pool.js';
import type { App } from '../../src/app.js';

let h: Harness;
let pools: { app: App; close(): Promise<void> };
let web: FastifyInstance;
const bearer = () => ({ authorization: `Bearer ${h.config.adminToken}` });

beforeAll(async () => {
  h = await createHarness({ catalog: false });
  pools = withWebPools(h.app);
  web = await buildServer(pools.app);
});
afterAll(async () => {
  await web?.close();
  await pools?.close();
  await h?.close();
});

it('runs web and admin statements under a timeout', async () => {
  expect((await pools.app.db.query(`SHOW statement_timeout`)).rows[0].statement_timeout).toBe(`${WEB_STATEMENT_TIMEOUT_MS / 1000}s`);
  expect((await pools.app.adminDb!.query(`SHOW statement_timeout`)).rows[0].statement_timeout).toBe(`${ADMIN_STATEMENT_TIMEOUT_MS / 1000}s`);
  // A statement past the limit is cancelled by the server, not left holding a connection.
  const quick = withWebPools(h.app);
  try {
    await expect(quick.app.adminDb!.query(`SET statement_timeout = 200; SELECT pg_sleep(2)`)).rejects.toMatchObject({ code: '57014' });
  } finally {
    await quick.close();
  }
});

it('keeps the reader pages answering while every admin connection is busy', async () => {
  const busy = Array.from({ length: ADMIN_POOL_MAX }, () => pools.app.adminDb!.query(`SELECT pg_sleep(1.5)`));
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  const admin = web.inject({ url: '/admin', headers: bearer() });
  const ready = await web.inject({ url: '/readyz' });
  const readerWait = Date.now() - started;
  expect(ready.statusCode).toBe(200);
  expect(readerWait).toBeLessThan(1000);
  // The admin page waited for its own pool, then answered.
  expect((await admin).statusCode).toBe(200);
  expect(Date.now() - started).toBeGreaterThan(1000);
  await Promise.all(busy);
});
