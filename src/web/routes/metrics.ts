// GET /metrics: Prometheus text of this process (prom-client), queue depths read at scrape time.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { metricsText, watchAppQueues } from '../../metrics.js';

export async function metricsRoutes(f: FastifyInstance, app: App): Promise<void> {
  watchAppQueues(app);
  f.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metricsText();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
