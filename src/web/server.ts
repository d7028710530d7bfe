// The web process: Fastify with one file per route group under routes/. Pages are rendered from JSX.
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.js';
import { createAdminPool, createPool } from '../db/pool.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { adminRoutes } from './routes/admin.js';
import { publicSite } from './site.js';
import { webhookRoutes } from './routes/webhooks.js';
import { NotFoundPage } from './pages/messages.js';
import { sendPage, siteOf, wantsJson } from './respond.js';

export interface WebOptions {
  /** Extra route groups (tests, or the processes that add the admin views). */
  extra?: Array<(f: FastifyInstance, app: App) => Promise<void> | void>;
}

/** Builds the HTTP server without listening; tests call inject() on it. */
export async function buildServer(app: App, opts: WebOptions = {}): Promise<FastifyInstance> {
  const f = Fastify({
    logger: false,
    // Fastify accepts a hop count at run time; its types only list boolean, string and string[].
    trustProxy: app.config.trustProxy as boolean | string,
    bodyLimit: 256 * 1024,
  });
  // Every unexpected error becomes a plain 500 page without internals; expected ones carry their status.
  f.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) app.log.error({ err: err.message, url: req.url }, 'request failed');
    reply.status(status).type('text/plain; charset=utf-8').send(status >= 500 ? 'Something went wrong on our side. Please try again.' : err.message);
  });
  // An address nothing answers: the site's "Page not found" page for a browser, a JSON error for an API
  // caller, instead of Fastify's own JSON.
  f.setNotFoundHandler((req, reply) => {
    if (wantsJson(req)) return reply.status(404).send({ ok: false, error: 'Not found', message: `Nothing answers ${req.method} ${req.url.split('?')[0]}` });
    return sendPage(reply, 404, NotFoundPage, { site: siteOf(app) });
  });
  await healthRoutes(f, app);
  await metricsRoutes(f, app);
  await adminRoutes(f, app.adminDb ? { ...app, db: app.adminDb } : app);
  await publicSite(f, app);
  await webhookRoutes(f, app);
  for (const add of opts.extra ?? []) await add(f, app);
  return f;
}

/** Web requests never hold a statement longer than this (the admin's pool: ADMIN_STATEMENT_TIMEOUT_MS). */
export const WEB_STATEMENT_TIMEOUT_MS = 5_000;

/** The process's app with the web's pools: the reader routes and webhooks on a pool of their own under
 * WEB_STATEMENT_TIMEOUT_MS, the admin on its small pool. Closed with the server. */
export function withWebPools(app: App): { app: App; close(): Promise<void> } {
  const db = createPool(app.databaseUrl, { max: app.db.options.max, name: 'verdicts-web', statementTimeoutMs: WEB_STATEMENT_TIMEOUT_MS });
  const adminDb = createAdminPool(app.databaseUrl);
  return { app: { ...app, db, adminDb }, close: async () => void (await Promise.all([db.end(), adminDb.end()])) };
}

export async function startWeb(app: App, opts: WebOptions = {}): Promise<FastifyInstance> {
  const pools = withWebPools(app);
  const f = await buildServer(pools.app, opts);
  f.addHook('onClose', () => pools.close());
  await f.listen({ port: app.config.port, host: '0.0.0.0' });
  app.log.info({ url: app.config.publicUrl, port: app.config.port }, 'web listening');
  return f;
}
