// Leaving. The token in every issue's List-Unsubscribe link names the reader (and the issue it came
// with); one POST unsubscribes. Effective at once: the sender skips non-active readers in every batch it
// has not started yet (ledger.skipDeparted). Tokens are honoured after they expire: a way out never
// stops working.
import type { Queryable } from '../db/pool.js';
import { verifyToken, type TokenClaims } from './tokens.js';
import { recordDeliveryEvent } from '../delivery/ledger.js';

export type ReaderStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced' | 'complained' | 'inactive';

const sql = String.raw;

const FIND = sql`SELECT email, status FROM subscribers WHERE id = $1`;
// Pending readers are stopped too: their confirmation link must not bring them in after they said no; an
// inactive one (sunset) too: their keep link must not either.
const UNSUBSCRIBE = sql`
  UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
  WHERE id = $1 AND status IN ('active', 'pending', 'inactive')
  RETURNING email`;

/** The claims of an unsubscribe link; an expired but genuine one still counts. */
export function unsubscribeClaims(secret: string, token: unknown): TokenClaims | null {
  const check = verifyToken(secret, token, 'unsubscribe');
  if (check.ok) return check.claims;
  return check.reason === 'expired' ? check.claims! : null;
}

/** Who a link belongs to and where they stand, for the page that shows the button; null when erased. */
export async function unsubscribeTarget(db: Queryable, claims: TokenClaims): Promise<{ email: string; status: ReaderStatus } | null> {
  return (await db.query<{ email: string; status: ReaderStatus }>(FIND, [claims.subscriberId])).rows[0] ?? null;
}

export type UnsubscribeOutcome =
  | { kind: 'unsubscribed'; email: string }
  | { kind: 'already'; email: string; status: ReaderStatus }
  /** Erased on request: there is nothing left to unsubscribe. */
  | { kind: 'unknown' };

/** Unsubscribes at once; running it again changes nothing. */
export async function unsubscribe(db: Queryable, claims: TokenClaims): Promise<UnsubscribeOutcome> {
  const done = (await db.query<{ email: string }>(UNSUBSCRIBE, [claims.subscriberId])).rows[0];
  if (done) {
    // The issue whose link was used learns that it lost a reader (for the editors' results).
    if (claims.issueId > 0) await recordDeliveryEvent(db, { issueId: claims.issueId, subscriberId: claims.subscriberId }, 'unsubscribed', new Date());
    return { kind: 'unsubscribed', email: done.email };
  }
  const now = await unsubscribeTarget(db, claims);
  return now ? { kind: 'already', email: now.email, status: now.status } : { kind: 'unknown' };
}
