// GET /metrics: Prometheus text of this process (prom-client), queue depths and the catalog's runway read at scrape time.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { metricsText, watchAppQueues, watchCatalogRunway } from '../../metrics.js';
import { catalogForecast } from '../../catalog/runway.js';

export async function metricsRoutes(f: FastifyInstance, app: App): Promise<void> {
  watchAppQueues(app);
  watchCatalogRunway(async () => (await catalogForecast(app.db, { pairsPerIssue: app.config.pairsPerIssue, timeZone: app.config.scheduleTz })).runway.weeks);
  f.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metricsText();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
