// GET /keep?token=… shows a "keep sending it" button and changes nothing; POST keeps the reader the signed
// token names (an inactive one is active again). Tampered links answer 400, expired ones 410.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { keepClaims, keepState, keepSubscriber } from '../../subscribers/sunset.js';
import { KeepPage, KeepProblemPage, KeptPage } from '../pages/keep.js';
import { personalPage, signedLinkRoutes, siteOf } from '../respond.js';

export async function keepRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  signedLinkRoutes(f, app, {
    path: '/keep',
    verify: keepClaims,
    Problem: KeepProblemPage,
    get: async ({ claims, action }) => {
      const state = await keepState(app.db, claims);
      return state === 'gone' ? 'gone' : personalPage(KeepPage, { site, action, state });
    },
    post: async ({ claims }) => {
      const outcome = await keepSubscriber(app.db, claims);
      if (outcome.kind === 'gone') return 'gone';
      app.log.info({ subscriberId: claims.subscriberId, outcome: outcome.kind }, 'reader kept (sunset)');
      return personalPage(KeptPage, { site, reactivated: outcome.kind === 'reactivated' });
    },
  });
}
