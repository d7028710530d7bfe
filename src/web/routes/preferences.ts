// GET /preferences?token=… shows a reader's topics; POST stores a new choice. The signed token alone names
// the reader. A bad choice (an unknown category, none at all) shows the form again with the reason, and
// nothing is stored.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.js';
import { preferencesCheck, readerTopics, saveTopics } from '../../subscribers/preferences.js';
import { PreferencesInvalidPage, PreferencesPage, type PreferencesPageProps } from '../pages/preferences.js';
import { field, sendPage, siteOf } from '../respond.js';

/** The ticked boxes: one `topic` field per box (a string, or an array when several); anything else is dropped. */
function topicsOf(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return [];
  const v = (body as Record<string, unknown>).topic;
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').slice(0, 100);
}

export async function preferencesRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  const personal = { personal: true };

  // The reader the token names, or the page that says why the link does not work.
  async function target(token: string | undefined, reply: FastifyReply) {
    const check = preferencesCheck(app.config.tokenSecret, token);
    if (!check.ok) {
      sendPage(reply, check.reason === 'expired' ? 410 : 400, PreferencesInvalidPage, { site, reason: check.reason === 'expired' ? 'expired' : 'invalid' }, personal);
      return null;
    }
    const reader = await readerTopics(app.db, check.claims.subscriberId);
    if (!reader || !['active', 'unsubscribed'].includes(reader.status)) {
      sendPage(reply, 410, PreferencesInvalidPage, { site, reason: 'gone' }, personal);
      return null;
    }
    return { id: check.claims.subscriberId, reader, action: `/preferences?token=${encodeURIComponent(token!)}` };
  }

  f.get('/preferences', async (req, reply) => {
    const t = await target(field(req.query, 'token'), reply);
    if (!t) return reply;
    return sendPage(reply, 200, PreferencesPage, { site, action: t.action, reader: t.reader }, personal);
  });

  f.post('/preferences', async (req, reply) => {
    const t = await target(field(req.query, 'token'), reply);
    if (!t) return reply;
    const chosen = topicsOf(req.body);
    const resubscribe = field(req.body, 'resubscribe') === 'yes';
    const outcome = await saveTopics(app.db, t.id, chosen, { resubscribe });
    if (outcome.kind === 'not-allowed') return sendPage(reply, 410, PreferencesInvalidPage, { site, reason: 'gone' }, personal);
    if (outcome.kind === 'invalid') {
      const props: PreferencesPageProps = { site, action: t.action, reader: t.reader, error: outcome.message, chosen: chosen.filter((c) => t.reader.categories.some((k) => k.name === c)) };
      return sendPage(reply, 400, PreferencesPage, props, personal);
    }
    app.log.info({ subscriberId: t.id, topics: chosen.length, resubscribed: resubscribe && t.reader.status === 'unsubscribed' }, 'reader topics saved');
    const reader = (await readerTopics(app.db, t.id))!;
    return sendPage(reply, 200, PreferencesPage, { site, action: t.action, reader, saved: true }, personal);
  });
}
