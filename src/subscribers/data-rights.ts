// A reader's rights over their data: `verdicts subscribers export EMAIL` shows everything stored about
// them; `verdicts subscribers forget EMAIL` erases it, keeping only a hash of the address so that a later
// import cannot silently add them back (the signup form still can: that is fresh, confirmed consent).
import { inTransaction, type Queryable, type Db } from '../db/pool.js';
import { emailHash, normaliseEmail } from './import.js';
import { idempotencyKey } from '../delivery/ledger.js';
import { FORGET_READER_FIGURES } from '../delivery/counts.js';

const sql = String.raw;

/**
 * Every column that can hold a reader's address, and how export and forget reach it. A test lists the
 * address-like columns of the schema (information_schema) and fails when one is in neither list, so a new
 * table with an address cannot be missed here.
 */
export const ADDRESS_COLUMNS = {
  covered: ['subscribers.email', 'outbox.to_address', 'test_sends.to_address'],
  /** Not a reader's address: our sender, or hashes kept on purpose (erasure record, confirmation caps). */
  notReaders: ['outbox.from_address', 'forgotten_subscribers.email_hash', 'confirmation_requests.address_hash', 'confirmation_requests.mailbox_hash'],
} as const;

const Q = {
  subscriber: sql`
    SELECT id, email, name, status, source, consent_at, confirm_sent_at, confirm_requested_at, unsubscribed_at, suppressed_reason, last_active_at, idle_issues, sunset_asked_at, issues_since_asked, inactive_at, created_at, updated_at
    FROM subscribers WHERE lower(email) = $1 ORDER BY id LIMIT 1`,
  votes: sql`
    SELECT t.slug AS tool, t.name AS tool_name, v.choice, i.week AS issue, v.created_at, v.updated_at
    FROM votes v JOIN tools t ON t.id = v.tool_id LEFT JOIN issues i ON i.id = v.issue_id
    WHERE v.subscriber_id = $1 ORDER BY v.created_at, t.slug`,
  deliveries: sql`
    SELECT i.week AS issue, i.id AS issue_id, d.batch_no, d.state, d.sent_at, d.provider_message_id, d.attempts, d.last_error, d.events, d.updated_at
    FROM deliveries d JOIN issues i ON i.id = d.issue_id
    WHERE d.subscriber_id = $1 ORDER BY i.week`,
  // The local outbox keeps whole messages (it is where mail goes without a provider key).
  // Addresses match case-insensitively everywhere: a message may have gone to "ALICE@Example.com".
  messages: sql`
    SELECT message_id, to_address, subject, created_at FROM outbox WHERE lower(to_address) = $1 ORDER BY created_at, id`,
  // Test sends an editor made to the address (an editor may test with a reader's address).
  testSends: sql`
    SELECT i.week AS issue, t.to_address, t.requested_by, t.provider_message_id, t.error, t.created_at
    FROM test_sends t JOIN issues i ON i.id = t.issue_id WHERE lower(t.to_address) = $1 ORDER BY t.created_at, t.id`,
  remember: sql`INSERT INTO forgotten_subscribers (email_hash) VALUES ($1) ON CONFLICT (email_hash) DO NOTHING`,
  // Votes and delivery rows go with the reader (ON DELETE CASCADE); the outbox and test sends hold the address too.
  eraseMessages: sql`DELETE FROM outbox WHERE lower(to_address) = $1`,
  eraseTestSends: sql`DELETE FROM test_sends WHERE lower(to_address) = $1`,
  idsOf: sql`SELECT id FROM subscribers WHERE lower(email) = $1`,
  erase: sql`DELETE FROM subscribers WHERE lower(email) = $1 RETURNING id`,
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
  /** Null when the address is not a reader but messages or test sends to it are stored. */
  subscriber: Record<string, unknown> | null;
  votes: Array<Record<string, unknown>>;
  deliveries: Array<Record<string, unknown>>;
  messages: Array<Record<string, unknown>>;
  test_sends: Array<Record<string, unknown>>;
}

/** Everything stored about one reader, or null when nothing at all is stored under the address. */
export async function exportSubscriber(db: Queryable, rawEmail: string): Promise<SubscriberExport | null> {
  const email = addressOf(rawEmail);
  const subscriber = (await db.query(Q.subscriber, [email])).rows[0] ?? null;
  const [votes, deliveries, messages, testSends] = await Promise.all([
    subscriber ? db.query(Q.votes, [subscriber.id]) : { rows: [] },
    subscriber ? db.query(Q.deliveries, [subscriber.id]) : { rows: [] },
    db.query(Q.messages, [email]),
    db.query(Q.testSends, [email]),
  ]);
  if (!subscriber && messages.rows.length === 0 && testSends.rows.length === 0) return null;
  // Each delivery names its batch's idempotency key: every log line of that batch, in every sender
  // process, carries it, so one grep of the logs tells what happened to this reader's email.
  const withKeys = deliveries.rows.map(({ issue_id, ...d }) => ({ ...d, idempotency_key: idempotencyKey(d.issue, issue_id, d.batch_no) }));
  return { exported_at: new Date().toISOString(), subscriber, votes: votes.rows, deliveries: withKeys, messages: messages.rows, test_sends: testSends.rows };
}

/** Erases a reader; the hash is recorded even when no row existed, so the address can never be imported. */
export async function forgetSubscriber(db: Db, rawEmail: string): Promise<{ erased: boolean }> {
  const email = addressOf(rawEmail);
  return inTransaction(db, async (tx) => {
    await tx.query(Q.remember, [emailHash(email)]);
    await tx.query(Q.eraseMessages, [email]);
    await tx.query(Q.eraseTestSends, [email]);
    // The issues' figures keep what the reader's delivery rows counted (they are historical totals).
    const ids = (await tx.query<{ id: number }>(Q.idsOf, [email])).rows.map((r) => r.id);
    if (ids.length) await tx.query(FORGET_READER_FIGURES, [ids]);
    const { rowCount } = await tx.query(Q.erase, [email]);
    return { erased: (rowCount ?? 0) > 0 };
  });
}
