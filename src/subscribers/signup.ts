// A signup from the form. Whatever the address's history, the caller gets no answer that tells it apart
// (no enumeration); what happens underneath:
//   new address, one that unsubscribed, or one
//   made inactive by the sunset               → pending, and a confirmation email is queued
//   pending                                   → another one is queued, at most one per ten minutes
//   (new or pending, either way)              → within the caps of confirmation.ts: 3 a week for one
//                                               address, 3 a day for one mailbox however it is spelt
//   active                                    → nothing
//   bounced or complained                     → nothing: suppressed for good
//   erased on request (hash kept)             → treated as new: typing one's address into the form and
//                                               clicking the emailed link is fresh consent; the hash is
//                                               removed only when the link is clicked (confirmation.ts)
// The request only writes and queues: the email is rendered and sent by the confirmation job in the send
// workers, so a signup costs a statement or two and a queue add, whatever the provider is doing.
import { requestConfirmations, type ReaderDeps } from './confirmation.js';

export type SignupOutcome = 'pending' | 'active' | 'suppressed';

export interface SignupRequest {
  /** Normalised with normaliseEmail. */
  email: string;
  /** Cleaned with cleanName; null when not given. */
  name: string | null;
  source: string;
}

const sql = String.raw;

// One statement, so two simultaneous signups for one address cannot both insert. An unsubscribed (or inactive) reader
// starts over as pending: consent and the resend clock are reset, the new link has to be clicked. A row
// it returns is a reader owed a confirmation, asked for through requestConfirmations and its caps.
const UPSERT = sql`
  INSERT INTO subscribers (email, name, status, source)
  VALUES ($1, $2, 'pending', $3)
  ON CONFLICT (email) DO UPDATE
    SET status = 'pending', source = EXCLUDED.source, name = coalesce(EXCLUDED.name, subscribers.name),
        consent_at = NULL, confirm_sent_at = NULL, updated_at = now()
    WHERE subscribers.status IN ('unsubscribed', 'inactive')
  RETURNING id, status`;
const EXISTING = sql`SELECT id, status FROM subscribers WHERE email = $1`;

export async function signUp(deps: ReaderDeps, req: SignupRequest): Promise<{ outcome: SignupOutcome; confirmationQueued: boolean }> {
  const fresh = (await deps.db.query<{ id: number; status: string }>(UPSERT, [req.email, req.name, req.source])).rows[0];
  if (fresh) return { outcome: 'pending', confirmationQueued: (await requestConfirmations(deps, [fresh.id], 'signup')) > 0 };
  const row = (await deps.db.query<{ id: number; status: string }>(EXISTING, [req.email])).rows[0];
  if (!row) return { outcome: 'pending', confirmationQueued: false }; // erased between the two statements
  if (row.status === 'active') return { outcome: 'active', confirmationQueued: false };
  if (row.status !== 'pending') return { outcome: 'suppressed', confirmationQueued: false };
  const queued = await requestConfirmations(deps, [row.id], 'signup');
  return { outcome: 'pending', confirmationQueued: queued > 0 };
}
