// Readers as an operator lists them (`verdicts subscribers list`): newest first, optionally one status.
import type { Queryable } from '../db/pool.js';

export const SUBSCRIBER_STATUSES = ['pending', 'active', 'inactive', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export interface SubscriberListRow {
  email: string;
  name: string | null;
  status: string;
  source: string;
  created_at: Date;
}

const LIST = `
  SELECT email, name, status, source, created_at, count(*) OVER ()::int AS total
  FROM subscribers
  WHERE ($1::text IS NULL OR status = $1)
  ORDER BY created_at DESC, id DESC
  LIMIT $2`;

export async function listSubscribers(db: Queryable, opts: { status?: SubscriberStatus; limit: number }): Promise<{ rows: SubscriberListRow[]; total: number }> {
  const { rows } = await db.query<SubscriberListRow & { total: number }>(LIST, [opts.status ?? null, opts.limit]);
  // The window count rides on every row; with no row nothing matched (the limit is at least 1).
  const total = rows[0]?.total ?? 0;
  return { rows: rows.map(({ total: _t, ...r }) => r), total };
}
