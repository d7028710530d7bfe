// What the provider tells us after a send (Resend webhooks). The webhook only stores: each verified event
// is appended to provider_event_log (raw, partitioned by month) and, when it concerns a delivery, queued in
// provider_event_inbox, many events per statement (src/subscribers/event-ingest.ts batches them), its
// webhook id remembered in provider_events so a retry is taken once. The delivery row and the issue's
// figures follow asynchronously (src/subscribers/event-rollup.ts). Suppression does not wait:
//   email.bounced (Permanent), email.complained, email.suppressed → the reader is suppressed for good, in the
//   same transaction that stores the event (or when its delivery is known, if nobody could be found yet)
//   delivered, opened, clicked, delivery_delayed, sent, failed, and transient bounces → the delivery row
//   anything else → stored in the log, acknowledged and otherwise ignored
// A delivery row's `events` holds one entry per kind: {"delivered": {"first_at", "last_at", "count"}, …}; the statements
// that write it are in src/delivery/ledger.ts (deliveryEventsFrom, recordDeliveryEvent).
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import { normaliseEmail } from './import.js';

export interface ProviderEvent {
  /** The webhook message id (svix-id): the same event delivered twice carries the same id. */
  id: string;
  type: string;
  at: Date;
  /** The provider's id of the email (data.email_id). */
  emailId: string | null;
  /** data.to: the recipients of that email. */
  to: string[];
  bounceType: string | null;
  bounceDetail: string | null;
}

export type EventAction = 'duplicate' | 'suppressed' | 'recorded' | 'ignored';

/** The kind under which an event type is kept on the delivery row. */
export const DELIVERY_KIND: Record<string, string> = {
  'email.sent': 'sent',
  'email.delivered': 'delivered',
  'email.delivery_delayed': 'delivery_delayed',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.failed': 'failed',
  'email.suppressed': 'suppressed',
};

const sql = String.raw;

// One statement stores a whole batch: webhook ids first (a retry of a stored event adds nothing), then the
// raw log and the inbox for the events that are new.
const STORE = sql`
  WITH input AS (
    SELECT DISTINCT ON (webhook_id) * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
      AS x(webhook_id, type, occurred_at, email_id, bounce_type, kind, suppress_status, suppress_reason)
    ORDER BY webhook_id),
  fresh AS (
    INSERT INTO provider_events (id, type) SELECT webhook_id, left(type, 100) FROM input
    ON CONFLICT (id) DO NOTHING RETURNING id),
  logged AS (
    INSERT INTO provider_event_log (webhook_id, type, occurred_at, email_id, bounce_type)
    SELECT i.webhook_id, left(i.type, 100), i.occurred_at, i.email_id, i.bounce_type FROM input i JOIN fresh f ON f.id = i.webhook_id),
  queued AS (
    INSERT INTO provider_event_inbox (webhook_id, kind, occurred_at, email_id, suppress_status, suppress_reason)
    SELECT i.webhook_id, i.kind, i.occurred_at, i.email_id, i.suppress_status, i.suppress_reason
    FROM input i JOIN fresh f ON f.id = i.webhook_id
    WHERE i.kind IS NOT NULL AND i.email_id IS NOT NULL
    ORDER BY i.webhook_id)
  SELECT id FROM fresh`;
const READER_OF_EMAIL = sql`SELECT subscriber_id FROM deliveries WHERE provider_message_id = $1 LIMIT 1`;
// A complaint outranks a bounce; neither is ever lifted by a later event.
const SUPPRESS = sql`
  UPDATE subscribers SET status = $2, suppressed_reason = $3, updated_at = now()
  WHERE id = coalesce($1::bigint, (SELECT id FROM subscribers WHERE email = $4))
    AND status <> 'complained' AND NOT (status = 'bounced' AND $2 = 'bounced')
  RETURNING id`;

/** Why a reader is suppressed, or null when the event does not suppress. */
function suppression(e: ProviderEvent): { status: 'bounced' | 'complained'; reason: string } | null {
  const detail = (e.bounceDetail ?? '').replace(/[\u0000-\u001f]/g, ' ').slice(0, 300);
  if (e.type === 'email.complained') return { status: 'complained', reason: 'marked as spam (provider complaint)' };
  if (e.type === 'email.bounced' && e.bounceType === 'Permanent') return { status: 'bounced', reason: `hard bounce${detail ? `: ${detail}` : ''}` };
  if (e.type === 'email.suppressed') return { status: 'bounced', reason: `suppressed by the provider${detail ? `: ${detail}` : ''}` };
  return null;
}

/**
 * Stores a batch of verified events in one transaction and suppresses at once the readers of bounces and
 * complaints; the answer for each event, in order. A webhook id repeated within the batch counts once.
 */
export async function storeProviderEvents(db: Db, events: ProviderEvent[]): Promise<EventAction[]> {
  const rows = events.map((e) => {
    const kind = DELIVERY_KIND[e.type] ?? null;
    return { e, kind, suppress: suppression(e) };
  });
  const cols = [
    rows.map((r) => r.e.id),
    rows.map((r) => r.e.type),
    rows.map((r) => r.e.at),
    rows.map((r) => r.e.emailId),
    rows.map((r) => r.e.bounceType),
    rows.map((r) => r.kind),
    rows.map(() => null as string | null),
    rows.map(() => null as string | null),
  ];
  const run = async (tx: Queryable): Promise<EventAction[]> => {
    // Readers to suppress now, found by their delivery or (a confirmation email) by address; a bounce
    // of a delivery not marked sent yet carries its suppression to the rollup.
    const now: Array<{ at: number; subscriberId: number | null; email: string | null }> = [];
    for (const [at, r] of rows.entries()) {
      if (!r.suppress) continue;
      const subscriberId = r.e.emailId ? ((await tx.query<{ subscriber_id: number }>(READER_OF_EMAIL, [r.e.emailId])).rows[0]?.subscriber_id ?? null) : null;
      const email = subscriberId === null ? (r.e.to.map(normaliseEmail).find((x) => x !== null) ?? null) : null;
      if (subscriberId === null && email === null && r.kind && r.e.emailId) {
        cols[6]![at] = r.suppress.status;
        cols[7]![at] = r.suppress.reason;
      }
      now.push({ at, subscriberId, email });
    }
    const fresh = new Set((await tx.query<{ id: string }>(STORE, cols)).rows.map((x) => x.id));
    const answers: EventAction[] = [];
    const seen = new Set<string>();
    const suppressed = new Set<number>();
    for (const n of now) {
      const r = rows[n.at]!;
      if (!fresh.has(r.e.id) || (n.subscriberId === null && n.email === null)) continue;
      const { rowCount } = await tx.query(SUPPRESS, [n.subscriberId, r.suppress!.status, r.suppress!.reason, n.email]);
      if (rowCount) suppressed.add(n.at);
    }
    for (const [at, r] of rows.entries()) {
      if (!fresh.has(r.e.id) || seen.has(r.e.id)) answers.push('duplicate');
      else answers.push(suppressed.has(at) ? 'suppressed' : r.kind ? 'recorded' : 'ignored');
      seen.add(r.e.id);
    }
    return answers;
  };
  // No bounce or complaint: one statement, no transaction needed.
  return rows.some((r) => r.suppress) ? inTransaction(db, run) : run(db);
}
