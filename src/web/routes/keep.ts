// GET /keep?token=… shows a "keep sending it" button and changes nothing; POST keeps the reader the signed
// token names (an inactive one is active again). Tampered links answer 400, expired ones 410.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.js';
import { keepClaims, keepState, keepSubscriber } from '../../subscribers/sunset.js';
import { KeepPage, KeepProblemPage, KeptPage } from '../pages/keep.js';
import { field, sendPage, siteOf } from '../respond.js';

export async function keepRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  const personal = { personal: true };
  const problem = (reply: FastifyReply, reason: 'invalid' | 'expired' | 'gone') =>
    sendPage(reply, reason === 'invalid' ? 400 : 410, KeepProblemPage, { site, reason }, personal);

  f.get('/keep', async (req, reply) => {
    const token = field(req.query, 'token');
    const link = keepClaims(app.config.tokenSecret, token);
    if (!link.ok) return problem(reply, link.reason);
    const state = await keepState(app.db, link.claims);
    if (state === 'gone') return problem(reply, 'gone');
    return sendPage(reply, 200, KeepPage, { site, action: `/keep?token=${encodeURIComponent(token!)}`, state }, personal);
  });

  f.post('/keep', { bodyLimit: 4096 }, async (req, reply) => {
    const link = keepClaims(app.config.tokenSecret, field(req.query, 'token'));
    if (!link.ok) return problem(reply, link.reason);
    const outcome = await keepSubscriber(app.db, link.claims);
    if (outcome.kind === 'gone') return problem(reply, 'gone');
    app.log.info({ subscriberId: link.claims.subscriberId, outcome: outcome.kind }, 'reader kept (sunset)');
    return sendPage(reply, 200, KeptPage, { site, reactivated: outcome.kind === 'reactivated' }, personal);
  });
}
