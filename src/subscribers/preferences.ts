// A reader's topics (categories), chosen on the preferences page. NULL in the database means every
// category, including ones added later; a choice of all of today's categories is stored as NULL too, so
// such a reader also gets tomorrow's. Choosing topics from the page shown after unsubscribing is an
// explicit click to come back: it re-subscribes (they confirmed their address before).
import type { Queryable } from '../db/pool.js';
import { verifyToken, type TokenCheck } from './tokens.js';
import type { ReaderStatus } from './unsubscribe.js';

const sql = String.raw;
const Q = {
  categories: sql`SELECT DISTINCT category FROM tools ORDER BY category`,
  reader: sql`SELECT email, status, topics FROM subscribers WHERE id = $1`,
  save: sql`
    UPDATE subscribers SET topics = $2,
      status = CASE WHEN $3 AND status = 'unsubscribed' THEN 'active' ELSE status END,
      unsubscribed_at = CASE WHEN $3 AND status = 'unsubscribed' THEN NULL ELSE unsubscribed_at END,
      updated_at = now()
    WHERE id = $1 AND status IN ('active', 'unsubscribed')
    RETURNING status`,
};

export interface ReaderTopics {
  email: string;
  status: ReaderStatus;
  /** Every category, in order, and whether the reader gets it. */
  categories: Array<{ name: string; chosen: boolean }>;
}

export function preferencesCheck(secret: string, token: unknown): TokenCheck {
  return verifyToken(secret, token, 'preferences');
}

export async function listCategories(db: Queryable): Promise<string[]> {
  return (await db.query<{ category: string }>(Q.categories)).rows.map((r) => r.category);
}

/** The reader's topics against today's categories; null for an erased reader. */
export async function readerTopics(db: Queryable, subscriberId: number): Promise<ReaderTopics | null> {
  const row = (await db.query<{ email: string; status: ReaderStatus; topics: string[] | null }>(Q.reader, [subscriberId])).rows[0];
  if (!row) return null;
  const categories = (await listCategories(db)).map((name) => ({ name, chosen: row.topics === null || row.topics.includes(name) }));
  return { email: row.email, status: row.status, categories };
}

export type SaveOutcome =
  | { kind: 'saved'; status: ReaderStatus }
  /** Nothing stored: the message says why, and the form is shown again. */
  | { kind: 'invalid'; message: string }
  /** Bounced, complained, pending or erased: topics cannot be set (or bring anyone back). */
  | { kind: 'not-allowed' };

/** Stores a choice of topics; every name must be a category. `resubscribe`: the reader clicked to come back. */
export async function saveTopics(db: Queryable, subscriberId: number, chosen: string[], opts: { resubscribe: boolean }): Promise<SaveOutcome> {
  const all = await listCategories(db);
  const unknown = chosen.filter((c) => !all.includes(c));
  if (unknown.length > 0) return { kind: 'invalid', message: `${unknown.map((u) => `“${u.slice(0, 60)}”`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one of our topics. Choose from the list below.` };
  const unique = [...new Set(chosen)];
  if (unique.length === 0) return { kind: 'invalid', message: 'Choose at least one topic. To get nothing at all, use the unsubscribe link instead.' };
  const topics = all.every((c) => unique.includes(c)) ? null : unique.sort();
  const row = (await db.query<{ status: ReaderStatus }>(Q.save, [subscriberId, topics, opts.resubscribe])).rows[0];
  return row ? { kind: 'saved', status: row.status } : { kind: 'not-allowed' };
}
