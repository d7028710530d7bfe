// GET / (the signup page) and POST /subscribe (form or JSON {email, name?}). The answer to a valid
// signup is the same whatever the address's history; an invalid one gets the form back (422) with the
// message next to the field and the values kept.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { latestSample } from '../../issues/archive.js';
import { cleanName, NAME_MAX, normaliseEmail } from '../../subscribers/import.js';
import { signUp } from '../../subscribers/signup.js';
import { metrics } from '../../metrics.js';
import { CheckInboxPage, HomePage, type FormState } from '../pages/signup.js';
import { field, sendPage, siteOf, wantsJson } from '../respond.js';

/** Signups (and confirmation resends) per IP address: generous for an office behind one NAT, useless to a bot. */
export const SIGNUP_RATE_LIMIT = { max: 20, timeWindow: 10 * 60_000 };

const SubscribeBody = z.object(
  {
    email: z
      .string({ error: (i) => (i.input === undefined ? 'Enter your email address.' : 'The email address must be text.') })
      .transform((raw, ctx) => {
        if (raw.trim() === '') {
          ctx.addIssue({ code: 'custom', message: 'Enter your email address.' });
          return z.NEVER;
        }
        const email = normaliseEmail(raw);
        if (!email) ctx.addIssue({ code: 'custom', message: 'Enter a valid email address, like name@example.com.' });
        return email ?? z.NEVER;
      }),
    name: z
      .string({ error: 'The name must be text.' })
      .optional()
      .transform((raw, ctx) => {
        const name = raw === undefined ? null : cleanName(raw);
        if (raw !== undefined && Array.from(raw.trim()).length > NAME_MAX) ctx.addIssue({ code: 'custom', message: `Keep the name under ${NAME_MAX} characters.` });
        return name;
      }),
  },
  { error: 'Send a form or a JSON object with an email field.' },
);

/** The form's answer to an invalid signup: the first problem, on its field. */
function formError(error: z.ZodError): NonNullable<FormState['error']> {
  const issue = error.issues[0]!;
  return { field: issue.path[0] === 'name' ? 'name' : 'email', message: issue.message };
}

export async function signupRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);

  f.get('/', async (_req, reply) => {
    return sendPage(reply, 200, HomePage, { site, sample: await latestSample(app.db) });
  });

  f.post('/subscribe', { bodyLimit: 16 * 1024, config: { rateLimit: SIGNUP_RATE_LIMIT } }, async (req, reply) => {
    const json = wantsJson(req);
    const body = req.body;
    // The honeypot: a field people never see. Whoever fills it gets the usual answer and nothing happens.
    if (field(body, 'website')?.trim()) {
      app.log.info({ ip: req.ip }, 'signup honeypot filled: ignored');
      const email = (field(body, 'email') ?? '').trim().toLowerCase().slice(0, 254);
      if (json) return reply.send({ ok: true, message: `If ${email} is not subscribed yet, a confirmation link is on its way.` });
      return sendPage(reply, 200, CheckInboxPage, { site, email }, { personal: true });
    }
    const parsed = SubscribeBody.safeParse(body ?? undefined);
    if (!parsed.success) {
      const error = formError(parsed.error);
      if (json) return reply.status(422).send({ ok: false, error: 'invalid_input', field: error.field, message: error.message });
      const form = { email: (field(body, 'email') ?? '').slice(0, 254), name: (field(body, 'name') ?? '').slice(0, NAME_MAX * 2), error };
      return sendPage(reply, 422, HomePage, { site, form, sample: await latestSample(app.db) });
    }
    const { email, name } = parsed.data;
    await signUp(app, { email, name, source: 'form' });
    metrics.signups.inc();
    if (json) return reply.send({ ok: true, message: `If ${email} is not subscribed yet, a confirmation link is on its way.` });
    return sendPage(reply, 200, CheckInboxPage, { site, email }, { personal: true });
  });
}
