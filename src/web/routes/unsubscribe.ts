// GET /unsubscribe?token=… shows one button and changes nothing (link scanners prefetch GETs).
// POST /unsubscribe?token=… unsubscribes at once: from the button, or from a mailbox provider's RFC 8058
// one-click POST (body `List-Unsubscribe=One-Click`, sent as form data or multipart). The token alone
// decides; the body is read (bounded) and ignored, whatever its type, so no provider's POST is refused.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { unsubscribe, unsubscribeClaims, unsubscribeTarget } from '../../subscribers/unsubscribe.js';
import { UnsubscribedPage, UnsubscribeInvalidPage, UnsubscribePage } from '../pages/unsubscribe.js';
import { field, sendPage, siteOf } from '../respond.js';
import { expiryFrom, signToken } from '../../subscribers/tokens.js';

export async function unsubscribeRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  const personal = { personal: true };

  await f.register(async (u) => {
    u.removeAllContentTypeParsers();
    u.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, _body, done) => done(null, undefined));

    u.get('/unsubscribe', async (req, reply) => {
      const token = field(req.query, 'token');
      const claims = unsubscribeClaims(app.config.tokenSecret, token);
      if (!claims) return sendPage(reply, 400, UnsubscribeInvalidPage, { site }, personal);
      const target = await unsubscribeTarget(app.db, claims);
      if (!target) return sendPage(reply, 200, UnsubscribedPage, { site, email: null, already: true }, personal);
      const action = `/unsubscribe?token=${encodeURIComponent(token!)}`;
      return sendPage(reply, 200, UnsubscribePage, { site, action, email: target.email, status: target.status }, personal);
    });

    u.post('/unsubscribe', async (req, reply) => {
      const claims = unsubscribeClaims(app.config.tokenSecret, field(req.query, 'token'));
      if (!claims) return sendPage(reply, 400, UnsubscribeInvalidPage, { site }, personal);
      const outcome = await unsubscribe(app.db, claims);
      if (outcome.kind === 'unsubscribed') app.log.info({ subscriberId: claims.subscriberId, issueId: claims.issueId }, 'reader unsubscribed');
      const email = outcome.kind === 'unknown' ? null : outcome.email;
      // Offered only to a reader who just left, or left earlier; never to a bounced or complained address.
      const canComeBack = outcome.kind === 'unsubscribed' || (outcome.kind === 'already' && outcome.status === 'unsubscribed');
      const preferencesUrl = canComeBack
        ? `/preferences?token=${signToken(app.config.tokenSecret, { purpose: 'preferences', subscriberId: claims.subscriberId, issueId: 0, toolId: 0, expiresAt: expiryFrom(new Date(), 'preferences') })}`
        : undefined;
      return sendPage(reply, 200, UnsubscribedPage, { site, email, already: outcome.kind !== 'unsubscribed', preferencesUrl }, personal);
    });
  });
}
