// Liveness and readiness: /healthz answers while the process runs; /readyz checks the database and queue.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';

export async function healthRoutes(f: FastifyInstance, app: App): Promise<void> {
  f.get('/healthz', async () => ({ ok: true }));
  f.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await app.db.query('SELECT 1');
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      await Promise.race([
        app.queue('send').getJobCounts('waiting'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('queue did not answer in 2 s')), 2000)),
      ]);
      checks.queue = 'ok';
    } catch (err) {
      checks.queue = (err as Error).message;
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    reply.status(ok ? 200 : 503).send({ ok, checks });
  });
}
