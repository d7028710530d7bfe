// What the provider tells us after a send (Resend webhooks), each event handled once by its id:
//   email.bounced (Permanent), email.complained, email.suppressed → the reader is suppressed for good
//   delivered, opened, clicked, delivery_delayed, sent, failed, and transient bounces → the delivery row
//   anything else → acknowledged and ignored
// A delivery row's `events` holds one entry per kind: {"delivered": {"first_at", "last_at", "count"}, …}.
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

export type EventAction = 'duplicate' | 'suppressed' | 'recorded' | 'no-matching-delivery' | 'ignored';

/** The kind under which an event type is kept on the delivery row. */
const DELIVERY_KIND: Record<string, string> = {
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

const REMEMBER = sql`INSERT INTO provider_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id`;
// Events arrive out of order and more than once: first_at and last_at are the min and max seen.
const EVENT_UPDATE = (where: string) => sql`
  UPDATE deliveries SET updated_at = now(), events = events || jsonb_build_object($1::text, jsonb_build_object(
      'first_at', least((events -> $1 ->> 'first_at')::timestamptz, $2::timestamptz),
      'last_at', greatest((events -> $1 ->> 'last_at')::timestamptz, $2::timestamptz),
      'count', coalesce((events -> $1 ->> 'count')::int, 0) + 1))
  WHERE ${where}
  RETURNING subscriber_id`;
const EVENT_BY_MESSAGE = EVENT_UPDATE(`provider_message_id = $3`);
const EVENT_BY_ROW = EVENT_UPDATE(`issue_id = $3 AND subscriber_id = $4`);
// A complaint outranks a bounce; neither is ever lifted by a later event.
const SUPPRESS = sql`
  UPDATE subscribers SET status = $2, suppressed_reason = $3, updated_at = now()
  WHERE id = coalesce($1::bigint, (SELECT id FROM subscribers WHERE email = $4))
    AND status <> 'complained' AND NOT (status = 'bounced' AND $2 = 'bounced')
  RETURNING id`;

type DeliveryTarget = { providerMessageId: string } | { issueId: number; subscriberId: number };

/** Adds one event to a delivery row; returns its reader, or null when no row matches. */
export async function recordDeliveryEvent(db: Queryable, target: DeliveryTarget, kind: string, at: Date): Promise<number | null> {
  const { rows } =
    'providerMessageId' in target
      ? await db.query<{ subscriber_id: number }>(EVENT_BY_MESSAGE, [kind, at, target.providerMessageId])
      : await db.query<{ subscriber_id: number }>(EVENT_BY_ROW, [kind, at, target.issueId, target.subscriberId]);
  return rows[0]?.subscriber_id ?? null;
}

/** Why a reader is suppressed, or null when the event does not suppress. */
function suppression(e: ProviderEvent): { status: 'bounced' | 'complained'; reason: string } | null {
  const detail = (e.bounceDetail ?? '').replace(/[\u0000-\u001f]/g, ' ').slice(0, 300);
  if (e.type === 'email.complained') return { status: 'complained', reason: 'marked as spam (provider complaint)' };
  if (e.type === 'email.bounced' && e.bounceType === 'Permanent') return { status: 'bounced', reason: `hard bounce${detail ? `: ${detail}` : ''}` };
  if (e.type === 'email.suppressed') return { status: 'bounced', reason: `suppressed by the provider${detail ? `: ${detail}` : ''}` };
  return null;
}

/** Handles one verified event, exactly once: the id is stored in the same transaction as its effects. */
export async function handleProviderEvent(db: Db, e: ProviderEvent): Promise<EventAction> {
  return inTransaction(db, async (tx): Promise<EventAction> => {
    if ((await tx.query(REMEMBER, [e.id, e.type.slice(0, 100)])).rowCount === 0) return 'duplicate';
    const kind = DELIVERY_KIND[e.type];
    if (!kind) return 'ignored';
    const subscriberId = e.emailId ? await recordDeliveryEvent(tx, { providerMessageId: e.emailId }, kind, e.at) : null;
    const suppress = suppression(e);
    if (suppress) {
      // Confirmation emails have no delivery row: their reader is found by address.
      const email = subscriberId === null ? (e.to.map(normaliseEmail).find((x) => x !== null) ?? null) : null;
      if (subscriberId === null && email === null) return 'no-matching-delivery';
      const { rowCount } = await tx.query(SUPPRESS, [subscriberId, suppress.status, suppress.reason, email]);
      return rowCount ? 'suppressed' : subscriberId === null ? 'no-matching-delivery' : 'recorded';
    }
    return subscriberId === null ? 'no-matching-delivery' : 'recorded';
  });
}
