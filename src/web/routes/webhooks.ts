// POST /webhooks/resend: provider events, verified on the raw body (Standard Webhooks, as Resend signs:
// HMAC over id, timestamp and body; five minutes' tolerance; ./webhook-signature.ts).
//   no RESEND_WEBHOOK_SECRET → 503; missing, wrong or stale signature → 401;
//   signed but not an event (or of a type we do not use) → 200, counted and otherwise ignored: the provider
//   would only retry it;
//   otherwise the event is stored (batched with concurrent ones, src/subscribers/event-ingest.ts) and
//   acknowledged once committed: 200, once per webhook id (a replay is acknowledged and changes nothing).
//   More events waiting than the database takes, or the database failing → 503 with Retry-After: the
//   provider retries, nothing is dropped.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { verifyWebhook } from './webhook-signature.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { metrics } from '../../metrics.js';
import { EventIngest, EventsOverloaded } from '../../subscribers/event-ingest.js';
import { startEventRollup } from '../../subscribers/event-rollup.js';

const EventBody = z.looseObject({
  type: z.string().min(1).max(200),
  created_at: z.string().max(100).optional(),
  data: z
    .looseObject({
      email_id: z.string().max(200).optional(),
      to: z.union([z.array(z.string().max(320)).max(100), z.string().max(320)]).optional(),
      bounce: z.looseObject({ type: z.string().max(100).optional(), subType: z.string().max(100).optional(), message: z.string().max(2000).optional() }).optional(),
    })
    .optional(),
});

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length < 2000 ? value : undefined;
}

export async function webhookRoutes(f: FastifyInstance, app: App): Promise<void> {
  const secret = app.config.resendWebhookSecret;

  const rollup = secret ? startEventRollup(app.db, app.log) : null;
  // Statements in flight: each waits mostly on its commit's WAL flush, so more at once store more per second
  // (2 → 4 took 10 issues x 1,000,000 readers from ~960 to ~1,500 events/s here), but two of the web pool's
  // connections stay for the rollup and the reader routes (signups, unsubscribes) during a provider burst.
  const ingest = new EventIngest(app.db, { concurrency: Math.max(1, Math.min(4, app.db.options.max - 2)), onStored: () => rollup?.nudge() });
  f.addHook('onClose', async () => rollup?.stop());
  const ignore = (reply: FastifyReply, reason: 'malformed' | 'unknown_type', detail: string, id: string) => {
    metrics.webhookRefused.inc({ reason });
    app.log.warn({ eventId: id, reason: detail }, 'provider event acknowledged and ignored');
    return reply.send({ ok: true, action: 'ignored', reason: detail });
  };

  await f.register(async (w) => {
    // The signature covers the exact bytes sent: keep the body as a string, whatever its content type.
    w.removeAllContentTypeParsers();
    w.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

    // A provider's machine reads the answer, never a browser: no browser security headers (helmet built a
    // content security policy for each of them, ~4 % of the web process's CPU in a provider burst).
    w.post('/webhooks/resend', { helmet: false }, async (req, reply) => {
      if (!secret) return reply.status(503).send({ ok: false, error: 'webhooks are not configured: RESEND_WEBHOOK_SECRET is not set' });
      const h = req.headers;
      const id = header(h['svix-id']) ?? header(h['webhook-id']);
      const timestamp = header(h['svix-timestamp']) ?? header(h['webhook-timestamp']);
      const signature = header(h['svix-signature']) ?? header(h['webhook-signature']);
      const payload = typeof req.body === 'string' ? req.body : '';
      if (!id || !timestamp || !signature) return reply.status(401).send({ ok: false, error: 'missing signature headers' });

      let verified: unknown;
      try {
        verified = verifyWebhook({ payload, id, timestamp, signature, secret });
      } catch (err) {
        const e = err as Error;
        if (e.name === 'WebhookVerificationError') return reply.status(401).send({ ok: false, error: 'invalid or stale signature' });
        if (e instanceof SyntaxError) return ignore(reply, 'malformed', 'the body is not JSON', id);
        app.log.error({ err: e.message }, 'webhook verification failed: is RESEND_WEBHOOK_SECRET a whsec_… secret?');
        return reply.status(503).send({ ok: false, error: 'webhook verification is misconfigured' });
      }

      const parsed = EventBody.safeParse(verified);
      if (!parsed.success) return ignore(reply, 'malformed', 'the body is not a Resend event', id);
      const e = parsed.data;
      const at = new Date(e.created_at ?? Date.now());
      const to = e.data?.to === undefined ? [] : Array.isArray(e.data.to) ? e.data.to : [e.data.to];
      let action;
      try {
        action = await ingest.store({
          id,
          type: e.type,
          at: Number.isNaN(at.getTime()) ? new Date() : at,
          emailId: e.data?.email_id ?? null,
          to,
          bounceType: e.data?.bounce?.type ?? null,
          bounceDetail: [e.data?.bounce?.subType, e.data?.bounce?.message].filter(Boolean).join(': ') || null,
        });
      } catch (err) {
        const overloaded = err instanceof EventsOverloaded;
        metrics.webhookRefused.inc({ reason: overloaded ? 'overloaded' : 'database' });
        if (!overloaded) app.log.error({ eventId: id, err: (err as Error).message }, 'provider event not stored: the provider will retry');
        return reply
          .status(503)
          .header('retry-after', String(overloaded ? err.retryAfterSeconds : 10))
          .send({ ok: false, error: overloaded ? 'too many events at once: retry later' : 'the event could not be stored: retry later' });
      }
      metrics.webhookEvents.inc({ type: action === 'ignored' ? 'other' : e.type });
      if (action === 'ignored') metrics.webhookRefused.inc({ reason: 'unknown_type' });
      app.log.debug({ eventId: id, type: e.type, action }, 'provider event');
      return reply.send({ ok: true, action });
    });
  });
}
