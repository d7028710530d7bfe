// GET /metrics: Prometheus text of this process (prom-client), queue depths and the catalog's runway read at scrape time. Not for
// anyone who asks: with METRICS_PORT set it is served there only (a port the operator keeps private);
// otherwise on PORT to `Authorization: Bearer METRICS_TOKEN` (ADMIN_TOKEN when METRICS_TOKEN is unset).
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { metricsText, watchAppQueues, watchCatalogRunway } from '../../metrics.js';
import { catalogForecast } from '../../catalog/runway.js';
import { tokenMatches } from '../admin/auth.js';
import { loginGuard } from '../admin/login-guard.js';

export async function metricsRoutes(f: FastifyInstance, app: App): Promise<void> {
  watchAppQueues(app);
  watchCatalogRunway(async () => (await catalogForecast(app.db, { pairsPerIssue: app.config.pairsPerIssue, timeZone: app.config.scheduleTz })).runway.weeks);
  if (app.config.metricsPort !== undefined) return; // served by the metrics server on METRICS_PORT
  const token = app.config.metricsToken ?? app.config.adminToken;
  // Wrong tokens here count with the admin's: the same token may open both.
  const guard = loginGuard(f.webCounters);
  f.get('/metrics', async (req, reply) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const wait = bearer ? await guard.wait(req) : 0;
    if (wait > 0) return reply.status(429).header('retry-after', String(Math.ceil(wait / 1000))).type('text/plain; charset=utf-8').send('too many wrong tokens: wait and try again\n');
    if (!bearer || !tokenMatches(bearer[1], token)) {
      if (bearer) await guard.failed(req);
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('text/plain; charset=utf-8')
        .send('metrics need Authorization: Bearer METRICS_TOKEN (or serve them on METRICS_PORT)\n');
    }
    const { contentType, body } = await metricsText();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
