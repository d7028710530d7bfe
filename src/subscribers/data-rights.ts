// A reader's rights over their data: `verdicts subscribers export EMAIL` shows everything stored about
// them; `verdicts subscribers forget EMAIL` erases it, keeping only a hash of the address so that a later
// import cannot silently add them back (the signup form still can: that is fresh, confirmed consent).
import { inTransaction, type Queryable, type Db } from '../db/pool.js';
import { emailHash, normaliseEmail } from './import.js';
import { idempotencyKey } from '../delivery/ledger.js';

const sql = String.raw;

const Q = {
  subscriber: sql`
    SELECT id, email, name, status, source, consent_at, confirm_sent_at, confirm_requested_at, unsubscribed_at, suppressed_reason, created_at, updated_at
    FROM subscribers WHERE email = $1`,
  votes: sql`
    SELECT t.slug AS tool, t.name AS tool_name, v.choice, i.week AS issue, v.created_at, v.updated_at
    FROM votes v JOIN tools t ON t.id = v.tool_id LEFT JOIN issues i ON i.id = v.issue_id
    WHERE v.subscriber_id = $1 ORDER BY v.created_at, t.slug`,
  deliveries: sql`
    SELECT i.week AS issue, i.id AS issue_id, d.batch_no, d.state, d.sent_at, d.provider_message_id, d.attempts, d.last_error, d.events, d.updated_at
    FROM deliveries d JOIN issues i ON i.id = d.issue_id
    WHERE d.subscriber_id = $1 ORDER BY i.week`,
  // The local outbox keeps whole messages (it is where mail goes without a provider key).
  messages: sql`
    SELECT message_id, subject, created_at FROM outbox WHERE to_address = $1 ORDER BY created_at, id`,
  remember: sql`INSERT INTO forgotten_subscribers (email_hash) VALUES ($1) ON CONFLICT (email_hash) DO NOTHING`,
  // Votes and delivery rows go with the reader (ON DELETE CASCADE); the outbox holds their address too.
  eraseMessages: sql`DELETE FROM outbox WHERE to_address = $1`,
  erase: sql`DELETE FROM subscribers WHERE email = $1 RETURNING id`,
};

export class DataRightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataRightsError';
  }
}

function addressOf(raw: string): string {
  const email = normaliseEmail(raw);
  if (!email) throw new DataRightsError(`"${raw.slice(0, 80)}" is not a valid email address`);
  return email;
}

export interface SubscriberExport {
  exported_at: string;
  subscriber: Record<string, unknown>;
  votes: Array<Record<string, unknown>>;
  deliveries: Array<Record<string, unknown>>;
  messages: Array<Record<string, unknown>>;
}

/** Everything stored about one reader, or null when the address is not on the list. */
export async function exportSubscriber(db: Queryable, rawEmail: string): Promise<SubscriberExport | null> {
  const email = addressOf(rawEmail);
  const subscriber = (await db.query(Q.subscriber, [email])).rows[0];
  if (!subscriber) return null;
  const [votes, deliveries, messages] = await Promise.all([
    db.query(Q.votes, [subscriber.id]),
    db.query(Q.deliveries, [subscriber.id]),
    db.query(Q.messages, [email]),
  ]);
  // Each delivery names its batch's idempotency key: every log line of that batch, in every sender
  // process, carries it, so one grep of the logs tells what happened to this reader's email.
  const withKeys = deliveries.rows.map(({ issue_id, ...d }) => ({ ...d, idempotency_key: idempotencyKey(d.issue, issue_id, d.batch_no) }));
  return { exported_at: new Date().toISOString(), subscriber, votes: votes.rows, deliveries: withKeys, messages: messages.rows };
}

/** Erases a reader; the hash is recorded even when no row existed, so the address can never be imported. */
export async function forgetSubscriber(db: Db, rawEmail: string): Promise<{ erased: boolean }> {
  const email = addressOf(rawEmail);
  return inTransaction(db, async (tx) => {
    await tx.query(Q.remember, [emailHash(email)]);
    await tx.query(Q.eraseMessages, [email]);
    const { rowCount } = await tx.query(Q.erase, [email]);
    return { erased: (rowCount ?? 0) > 0 };
  });
}
