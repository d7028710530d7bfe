// GET /confirm?token=… shows one button and changes nothing (mail scanners open links); the button POSTs
// /confirm?token=…, which activates the pending reader. Links in emails sent before the button existed
// open the same page. POST /confirm/resend mails a fresh link for an expired one. Every bad link gets a
// page that says what happened and offers a way forward.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.js';
import { confirmLinkState, confirmSubscriber, resendConfirmation } from '../../subscribers/confirmation.js';
import { verifyToken } from '../../subscribers/tokens.js';
import { ConfirmExpiredPage, ConfirmInvalidPage, ConfirmPage, ResentPage, WelcomePage } from '../pages/confirm.js';
import { field, sendPage, siteOf } from '../respond.js';
import { SIGNUP_RATE_LIMIT } from './signup.js';

export async function confirmRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  const secret = app.config.tokenSecret;
  const personal = { personal: true };

  // Whichever method, a bad link gets the same pages; only POST changes anything.
  const checked = (token: string | undefined, reply: FastifyReply) => {
    const check = verifyToken(secret, token, 'confirm');
    if (check.ok) return check.claims;
    if (check.reason === 'expired') sendPage(reply, 410, ConfirmExpiredPage, { site, token: token! }, personal);
    else sendPage(reply, 400, ConfirmInvalidPage, { site, reason: 'invalid' }, personal);
    return null;
  };

  f.get('/confirm', async (req, reply) => {
    const token = field(req.query, 'token');
    const claims = checked(token, reply);
    if (!claims) return reply;
    const state = await confirmLinkState(app, claims);
    if (state === 'not-pending') return sendPage(reply, 410, ConfirmInvalidPage, { site, reason: 'not-pending' }, personal);
    if (state === 'already-active') return sendPage(reply, 200, WelcomePage, { site, already: true }, personal);
    return sendPage(reply, 200, ConfirmPage, { site, action: `/confirm?token=${encodeURIComponent(token!)}` }, personal);
  });

  f.post('/confirm', { bodyLimit: 4096 }, async (req, reply) => {
    const claims = checked(field(req.query, 'token'), reply);
    if (!claims) return reply;
    const outcome = await confirmSubscriber(app, claims);
    if (outcome.kind === 'not-pending') return sendPage(reply, 410, ConfirmInvalidPage, { site, reason: 'not-pending' }, personal);
    return sendPage(reply, 200, WelcomePage, { site, already: outcome.kind === 'already-active' }, personal);
  });

  f.post('/confirm/resend', { bodyLimit: 4096, config: { rateLimit: SIGNUP_RATE_LIMIT } }, async (req, reply) => {
    const check = verifyToken(secret, field(req.body, 'token'), 'confirm');
    // Only a genuine link (expired or not) can ask for a new one: the token names the reader.
    const claims = check.ok ? check.claims : check.reason === 'expired' ? check.claims : undefined;
    if (!claims) return sendPage(reply, 400, ConfirmInvalidPage, { site, reason: 'invalid' }, personal);
    const outcome = await resendConfirmation(app, claims);
    if (outcome === 'active') return sendPage(reply, 200, WelcomePage, { site, already: true }, personal);
    if (outcome === 'not-pending') return sendPage(reply, 410, ConfirmInvalidPage, { site, reason: 'not-pending' }, personal);
    return sendPage(reply, 200, ResentPage, { site, outcome }, personal);
  });
}
