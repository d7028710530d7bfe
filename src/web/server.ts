// The web process: Fastify with one file per route group under routes/. Pages are rendered from JSX.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import type { App } from '../app.js';
import { ADMIN_POOL_MAX, createAdminPool, createPool } from '../db/pool.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { adminRoutes } from './routes/admin.js';
import { publicSite } from './site.js';
import { webhookRoutes } from './routes/webhooks.js';
import { ErrorPage, NotFoundPage } from './pages/messages.js';
import { sendPage, siteOf, wantsJson } from './respond.js';
import { openWebCounters } from './counters.js';

export interface WebOptions {
  /** Extra route groups (tests, or the processes that add the admin views). */
  extra?: Array<(f: FastifyInstance, app: App) => Promise<void> | void>;
}

/** Where a URL that cannot be decoded (`/issues/%u002e%u002e`) is sent, so it gets the site's 400 page
 * with the site's headers instead of Fastify's own JSON. */
const BAD_URL = '/_bad-url';

function isDecodable(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0]!);
    return true;
  } catch {
    return false;
  }
}

/** Builds the HTTP server without listening; tests call inject() on it. */
export async function buildServer(app: App, opts: WebOptions = {}): Promise<FastifyInstance> {
  const timeoutMs = app.config.requestTimeoutSeconds * 1000;
  const f = Fastify({
    logger: false,
    // Fastify accepts a hop count at run time; its types only list boolean, string and string[].
    trustProxy: app.config.trustProxy as boolean | string,
    bodyLimit: 256 * 1024,
    // A client that sends its headers or body slowly (a byte every few seconds) is cut after
    // REQUEST_TIMEOUT_SECONDS instead of holding a socket for minutes; Node checks every second.
    requestTimeout: timeoutMs,
    http: { requestTimeout: timeoutMs, headersTimeout: timeoutMs, connectionsCheckingInterval: 1000 },
    // A socket with nothing going either way for a minute is closed; an idle keep-alive one much sooner.
    connectionTimeout: 60_000,
    keepAliveTimeout: app.config.keepAliveTimeoutSeconds * 1000,
    maxRequestsPerSocket: 1000,
    rewriteUrl: (req) => (isDecodable(req.url ?? '/') ? req.url ?? '/' : BAD_URL),
    frameworkErrors: (err, req, reply) => problemPage(app, req, reply, 400, err),
  });
  f.decorate('webCounters', openWebCounters(app));
  f.addHook('onClose', async () => f.webCounters.close());
  // The site's security headers on every response: pages, errors, 404s, the admin (which sets its own
  // CSP on top) and the API. HSTS whenever PUBLIC_URL is https.
  const https = app.config.publicUrl.startsWith('https:');
  await f.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // No script anywhere. Styles are inline: the archive serves the issue email, which is styled inline.
        'script-src': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'https:'],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    hsts: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // Token links must not leak to other sites through the Referer header.
    referrerPolicy: { policy: 'no-referrer' },
  });
  // Every unexpected error becomes the site's error page (or a JSON error) without internals; expected
  // ones carry their status.
  f.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) app.log.error({ err: err.message, url: req.url.split('?')[0] }, 'request failed');
    return problemPage(app, req, reply, status, err);
  });
  // An address nothing answers: the site's "Page not found" page for a browser, a JSON error for an API
  // caller, instead of Fastify's own JSON.
  f.setNotFoundHandler((req, reply) => {
    if (wantsJson(req)) return reply.status(404).send({ ok: false, error: 'Not found', message: `Nothing answers ${req.method} ${req.url.split('?')[0]}` });
    return sendPage(reply, 404, NotFoundPage, { site: siteOf(app) });
  });
  f.all(BAD_URL, (req, reply) => problemPage(app, req, reply, 400));
  await healthRoutes(f, app);
  await metricsRoutes(f, app);
  await adminRoutes(f, app.adminDb ? { ...app, db: app.adminDb } : app);
  await publicSite(f, app);
  await webhookRoutes(f, app);
  for (const add of opts.extra ?? []) await add(f, app);
  return f;
}

/** The site's page (or JSON) for a request that failed outside the public site's own handler. */
function problemPage(app: App, req: FastifyRequest, reply: FastifyReply, status: number, err?: Error): FastifyReply {
  const title = status >= 500 ? 'Something went wrong on our side' : status === 400 ? 'That address could not be read' : 'That request was refused';
  const message =
    status >= 500
      ? 'Nothing was lost. Please try again in a moment.'
      : status === 400 && (!err || (err as FastifyError).code === 'FST_ERR_BAD_URL')
        ? 'The link is malformed. Check it, or start again from the home page.'
        : (err?.message ?? 'The request was not what this address expects.');
  if (wantsJson(req)) return reply.status(status).header('cache-control', 'no-store').send({ ok: false, error: title, message });
  return sendPage(reply, status, ErrorPage, { site: siteOf(app), title, message }, { personal: true });
}

/** Web requests never hold a statement longer than this (the admin's pool: ADMIN_STATEMENT_TIMEOUT_MS). */
export const WEB_STATEMENT_TIMEOUT_MS = 5_000;

/** The process's app with the web's pools: the reader routes and webhooks on a pool of their own under
 * WEB_STATEMENT_TIMEOUT_MS, the admin on its small pool. Closed with the server. */
export function withWebPools(app: App): { app: App; close(): Promise<void> } {
  // In a web-only process the app pool is small and the rest of the budget is the web's (src/app.ts);
  // sharing a process with workers (npm start), the web gets a pool the size of the app's.
  const rest = app.dbBudget - app.db.options.max - ADMIN_POOL_MAX;
  const max = app.dbBudget > app.db.options.max ? Math.max(2, rest) : app.db.options.max;
  const db = createPool(app.databaseUrl, { max, name: 'verdicts-web', statementTimeoutMs: WEB_STATEMENT_TIMEOUT_MS });
  const adminDb = createAdminPool(app.databaseUrl);
  return { app: { ...app, db, adminDb }, close: async () => void (await Promise.all([db.end(), adminDb.end()])) };
}

export async function startWeb(app: App, opts: WebOptions = {}): Promise<FastifyInstance> {
  if (app.config.trustProxy === true) {
    app.log.warn(
      'TRUST_PROXY=true believes any X-Forwarded-For, so a client that sends its own defeats every per-IP limit (signups, login back-off): set the number of proxies in front (e.g. TRUST_PROXY=1) or their addresses',
    );
  }
  const pools = withWebPools(app);
  const f = await buildServer(pools.app, opts);
  f.addHook('onClose', () => pools.close());
  await f.listen({ port: app.config.port, host: '0.0.0.0' });
  app.log.info({ url: app.config.publicUrl, port: app.config.port }, 'web listening');
  return f;
}
