// The Mailer used when no RESEND_API_KEY is set: messages are stored in the `outbox` table, viewable at
// /admin/outbox. It keeps the provider's idempotency semantics: the same key stores nothing new.
import type { Db } from '../db/pool.js';
import type { Mailer, OutgoingEmail, SendOutcome } from './mailer.js';

// One statement per batch; ON CONFLICT makes a replayed key a no-op, and RETURNING/SELECT give the ids.
const INSERT_OUTBOX = `
  INSERT INTO outbox (idempotency_key, position, message_id, to_address, from_address, subject, html, text, headers, tags)
  SELECT $1, m.position, $1 || '/' || m.position, m.to_address, m.from_address, m.subject, m.html, m.text, m.headers, m.tags
  FROM jsonb_to_recordset($2::jsonb) AS m(position int, to_address text, from_address text, subject text, html text, text text, headers jsonb, tags jsonb)
  ON CONFLICT (idempotency_key, position) DO NOTHING`;
const SELECT_IDS = `SELECT position, message_id FROM outbox WHERE idempotency_key = $1 ORDER BY position`;

export class OutboxMailer implements Mailer {
  readonly name = 'outbox' as const;
  constructor(private readonly db: Db) {}

  async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<SendOutcome> {
    const rows = emails.map((e, position) => ({
      position,
      to_address: e.to,
      from_address: e.from,
      subject: e.subject,
      html: e.html,
      text: e.text,
      headers: e.headers,
      tags: e.tags,
    }));
    try {
      await this.db.query(INSERT_OUTBOX, [idempotencyKey, JSON.stringify(rows)]);
      const { rows: ids } = await this.db.query<{ position: number; message_id: string }>(SELECT_IDS, [idempotencyKey]);
      return { kind: 'accepted', ids: ids.slice(0, emails.length).map((r) => r.message_id) };
    } catch (err) {
      return { kind: 'transient', reason: `outbox write failed: ${(err as Error).message}`, status: null };
    }
  }
}
