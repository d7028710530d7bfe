// The public site: signup, confirm, unsubscribe, vote, keep and the archive, in one encapsulated Fastify context
// with its own form parsing, per-IP rate limit and error pages (the security headers are the server's). The admin pages and
// the webhook live in other contexts and are not affected by any of it.
import type { FastifyError, FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { App } from '../app.js';
import { ErrorPage } from './pages/messages.js';
import { sendPage, siteOf, wantsJson } from './respond.js';
import { rateLimitStore } from './counters.js';
import { signupRoutes } from './routes/signup.js';
import { confirmRoutes } from './routes/confirm.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { voteRoutes } from './routes/vote.js';
import { archiveRoutes } from './routes/archive.js';
import { feedRoutes } from './routes/feeds.js';
import { preferencesRoutes } from './routes/preferences.js';
import { keepRoutes } from './routes/keep.js';

function friendly(err: FastifyError, status: number): { title: string; message: string } {
  switch (status) {
    case 413:
      return { title: 'That was too much to send', message: 'A signup needs only an email address and, if you like, a name. Please send the form again.' };
    case 415:
      return { title: 'That could not be read', message: 'Send the form from the page, or a JSON object such as {"email": "you@example.com"}.' };
    case 429: {
      const minutes = Math.max(1, Math.ceil(Number((err as { ttl?: number }).ttl ?? 60_000) / 60_000));
      return { title: 'Too many attempts', message: `Too many signups came from your network just now. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` };
    }
    default:
      return status >= 500
        ? { title: 'Something went wrong on our side', message: 'Nothing was lost. Please try again in a moment.' }
        : { title: 'That could not be read', message: 'The data sent with the request was not what this page expects. Please go back and send the form again.' };
  }
}

export async function publicSite(f: FastifyInstance, app: App): Promise<void> {
  await f.register(async (site) => {
    await site.register(formbody, { bodyLimit: 16 * 1024 });

    await site.register(rateLimit, {
      global: false,
      // Counted where every web process counts (Redis, else Postgres); a store outage must not stop signups.
      store: rateLimitStore(f.webCounters, 'rate-limit'),
      skipOnError: true,
      errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, ttl: ctx.ttl, message: `rate limit exceeded, retry in ${ctx.after}` }),
    });

    site.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (status >= 500) app.log.error({ err: err.message, url: req.url.split('?')[0] }, 'request failed');
      const { title, message } = friendly(err, status);
      if (wantsJson(req)) return reply.status(status).header('cache-control', 'no-store').send({ ok: false, error: title, message });
      return sendPage(reply, status, ErrorPage, { site: siteOf(app), title, message }, { personal: true });
    });

    await signupRoutes(site, app);
    await confirmRoutes(site, app);
    await unsubscribeRoutes(site, app);
    await voteRoutes(site, app);
    await archiveRoutes(site, app);
    await feedRoutes(site, app);
    await preferencesRoutes(site, app);
    await keepRoutes(site, app);
  });
}
