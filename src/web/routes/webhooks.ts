// POST /webhooks/resend: provider events, verified on the raw body with the resend SDK's own webhook
// verification (Standard Webhooks: HMAC over id, timestamp and body; five minutes' tolerance).
//   no RESEND_WEBHOOK_SECRET → 503; missing, wrong or stale signature → 401; signed but not an event → 400;
//   otherwise 200, and the event is handled once by its id (a replay is acknowledged and changes nothing).
import type { FastifyInstance } from 'fastify';
import { Resend } from 'resend';
import { z } from 'zod';
import type { App } from '../../app.js';
import { handleProviderEvent } from '../../subscribers/provider-events.js';
import { metrics } from '../../metrics.js';

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
  // Verification needs no API key; the SDK's constructor insists on one.
  const resend = new Resend(app.config.resendApiKey ?? 're_webhook_verification_only');

  await f.register(async (w) => {
    // The signature covers the exact bytes sent: keep the body as a string, whatever its content type.
    w.removeAllContentTypeParsers();
    w.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

    w.post('/webhooks/resend', async (req, reply) => {
      if (!secret) return reply.status(503).send({ ok: false, error: 'webhooks are not configured: RESEND_WEBHOOK_SECRET is not set' });
      const h = req.headers;
      const id = header(h['svix-id']) ?? header(h['webhook-id']);
      const timestamp = header(h['svix-timestamp']) ?? header(h['webhook-timestamp']);
      const signature = header(h['svix-signature']) ?? header(h['webhook-signature']);
      const payload = typeof req.body === 'string' ? req.body : '';
      if (!id || !timestamp || !signature) return reply.status(401).send({ ok: false, error: 'missing signature headers' });

      let verified: unknown;
      try {
        verified = resend.webhooks.verify({ payload, headers: { id, timestamp, signature }, webhookSecret: secret });
      } catch (err) {
        const e = err as Error;
        if (e.name === 'WebhookVerificationError') return reply.status(401).send({ ok: false, error: 'invalid or stale signature' });
        if (e instanceof SyntaxError) return reply.status(400).send({ ok: false, error: 'the body is not JSON' });
        app.log.error({ err: e.message }, 'webhook verification failed: is RESEND_WEBHOOK_SECRET a whsec_… secret?');
        return reply.status(503).send({ ok: false, error: 'webhook verification is misconfigured' });
      }

      const parsed = EventBody.safeParse(verified);
      if (!parsed.success) return reply.status(400).send({ ok: false, error: 'the body is not a Resend event' });
      const e = parsed.data;
      metrics.webhookEvents.inc({ type: e.type });
      const at = new Date(e.created_at ?? Date.now());
      const to = e.data?.to === undefined ? [] : Array.isArray(e.data.to) ? e.data.to : [e.data.to];
      const action = await handleProviderEvent(app.db, {
        id,
        type: e.type,
        at: Number.isNaN(at.getTime()) ? new Date() : at,
        emailId: e.data?.email_id ?? null,
        to,
        bounceType: e.data?.bounce?.type ?? null,
        bounceDetail: [e.data?.bounce?.subType, e.data?.bounce?.message].filter(Boolean).join(': ') || null,
      });
      app.log.info({ eventId: id, type: e.type, action }, 'provider event');
      return reply.send({ ok: true, action });
    });
  });
}
