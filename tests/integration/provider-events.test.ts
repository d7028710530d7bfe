// Provider events through the real webhook, from a fake provider that posts them as Resend does: before
// it even answers the batch request (the ledger cannot know the email ids yet), twice, out of order. Every
// event ends on its delivery row and in the issue's figures, which equal a recount of the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { freePort } from '../support/ports.js';
import { sendIssue } from '../support/readers.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { buildServer } from '../../src/web/server.js';
import { createPool } from '../../src/db/pool.js';
import { issueFigures } from '../../src/delivery/counts.js';
import { rollUpAll } from '../../src/subscribers/event-rollup.js';
import { EventIngest, EventsOverloaded } from '../../src/subscribers/event-ingest.js';
import { weekStatus } from '../../src/cli/issue-commands.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;
let webhookUrl: string;

beforeAll(async () => {
  h = await createHarness({ env: { RESEND_WEBHOOK_SECRET: SECRET, SEND_RATE: '40' } });
  web = await buildServer(h.app);
  const port = await freePort();
  await web.listen({ port, host: '127.0.0.1' });
  webhookUrl = `http://127.0.0.1:${port}/webhooks/resend`;
  workers = startWorkers(h.app, ['render', 'send']);
});
afterAll(async () => {
  await workers?.close();
  await web?.close();
  await h?.close();
});

/** Every delivery row of the issue with its provider id carries exactly these event kinds. */
async function kindsPerRow(issueId: number): Promise<Map<string, number>> {
  const { rows } = await h.app.db.query<{ kinds: string; n: number }>(
    `SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(events) k) AS kinds, count(*)::int AS n
     FROM deliveries WHERE issue_id = $1 GROUP BY 1`,
    [issueId],
  );
  return new Map(rows.map((r) => [r.kinds ?? '', r.n]));
}

describe('events the provider posts before it answers the batch', () => {
  it('are parked, then matched once the sender marks the rows: every reader has every event, counted once', async () => {
    const readers = 600;
    await addReaders(h.app, readers);
    h.fake.webhooks.configure({ url: webhookUrl, secret: SECRET, types: ['email.sent', 'email.delivered'], timing: 'before-answer' });
    const issue = await sendIssue(h, '2026-W20');
    await rollUpAll(h.app.db);
    h.fake.webhooks.configure(null);
    expect(await kindsPerRow(issue.id)).toEqual(new Map([['delivered,sent', readers]]));
    const figures = (await issueFigures(h.app.db, [issue.id])).get(issue.id)!;
    expect(figures.events).toMatchObject({ sent: readers, delivered: readers, opened: 0 });
    await expectFiguresMatchRecount(h.app.db, issue.id);
    const parked = await h.app.db.query(`SELECT count(*)::int AS n FROM provider_event_inbox`);
    expect(parked.rows[0].n).toBe(0);
    // The operator's view: readers per kind.
    expect((await weekStatus(h.app, '2026-W20')).events).toEqual({ sent: readers, delivered: readers, delivery_delayed: 0, opened: 0, clicked: 0, bounced: 0, complained: 0 });
  }, 90_000);

  it('twice each and out of order: one reader per kind, first and last in event time, count per kind', async () => {
    await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
    await addReaders(h.app, 200, 10_000);
    h.fake.webhooks.configure({
      url: webhookUrl,
      secret: SECRET,
      types: ['email.sent', 'email.delivered', 'email.opened'],
      timing: 'after-answer',
      duplicate: true,
      reverse: true,
    });
    const issue = await sendIssue(h, '2026-W21');
    await waitFor(async () => h.fake.webhooks.stats.acknowledged >= 200 * 3 * 2, 30_000, 'every event acknowledged');
    await rollUpAll(h.app.db);
    h.fake.webhooks.configure(null);
    expect(await kindsPerRow(issue.id)).toEqual(new Map([['delivered,opened,sent', 200]]));
    const { rows } = await h.app.db.query(`SELECT events FROM deliveries WHERE issue_id = $1 LIMIT 1`, [issue.id]);
    const e = rows[0].events;
    // A provider retry of the same webhook id is not a second open.
    expect(e.opened.count).toBe(1);
    expect(new Date(e.sent.first_at).getTime()).toBeLessThan(new Date(e.delivered.first_at).getTime());
    await expectFiguresMatchRecount(h.app.db, issue.id);
  }, 90_000);
});

describe('when storing cannot keep up', () => {
  it('refuses events beyond what waits to be stored instead of queueing without bound, and loses none it accepted', async () => {
    const ingest = new EventIngest(h.app.db, { batchSize: 20, maxWaiting: 50, concurrency: 1 });
    const ids = Array.from({ length: 400 }, () => `msg_${randomUUID()}`);
    const results = await Promise.allSettled(ids.map((id) => ingest.store({ id, type: 'email.opened', at: new Date(), emailId: `re_${id}`, to: [], bounceType: null, bounceDetail: null })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => (r as PromiseRejectedResult).reason instanceof EventsOverloaded)).toBe(true);
    const accepted = ids.filter((_, i) => results[i]!.status === 'fulfilled');
    const stored = await h.app.db.query(`SELECT count(*)::int AS n FROM provider_event_log WHERE webhook_id = ANY($1)`, [accepted]);
    expect(stored.rows[0].n).toBe(accepted.length);
  });

  it('answers 503 with Retry-After when the database does not take the event, never a 500', async () => {
    const down = createPool('postgres://root@127.0.0.1:1/nothing', { name: 'down' });
    const server = await buildServer({ ...h.app, db: down });
    try {
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      const payload = JSON.stringify({ type: 'email.delivered', created_at: at.toISOString(), data: { email_id: 're_x', to: ['a@example.net'] } });
      const r = await server.inject({
        method: 'POST',
        url: '/webhooks/resend',
        payload,
        headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': new Webhook(SECRET).sign(id, at, payload) },
      });
      expect(r.statusCode).toBe(503);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await server.close();
      await down.end();
    }
  });
});
