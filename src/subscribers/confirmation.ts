// Double opt-in: asking for the confirmation email, and the confirm link. A confirmation is sent at most
// once per address per CONFIRM_RESEND_AFTER, whoever asks (the form, a resend button, an import), so the
// form cannot be used to flood someone's inbox.
//
// Asking is cheap and happens in the request: the reader is marked as owed an email (confirm_requested_at)
// and the confirmation job is woken. The job, in the send workers, renders and sends what is owed, 100
// readers per provider request (confirmation-sender.ts). Without a running worker the requests wait.
import type { App } from '../app.js';
import { inTransaction } from '../db/pool.js';
import { wakeConfirmations, type ConfirmTrigger } from '../queue/confirm-queue.js';
import { emailHash } from './import.js';
import { expiryFrom, signToken, type TokenClaims } from './tokens.js';
import { engagedSet } from './sunset.js';

/** What the reader services need of the application context. */
export type ReaderDeps = Pick<App, 'db' | 'queue' | 'log'>;

/** One confirmation email per address per this many seconds. */
export const CONFIRM_RESEND_AFTER_SECONDS = 600;
/** However the form is used, so that it cannot flood a mailbox: an address that never confirms gets at
 * most this many in a week, and one mailbox (tags and Gmail's dots folded, see migration 025) this many
 * a day across all its spellings. */
export const CONFIRM_LIMITS = { perAddress: 3, perAddressSeconds: 7 * 86400, perMailbox: 3, perMailboxSeconds: 86400 };
// Ids per statement when an import asks for many readers at once.
const REQUEST_CHUNK = 10_000;
const sql = String.raw;

// Only pending readers who are owed an email now: none in the last ten minutes, none already on its way
// (a request not yet sent, or a claim in flight), and within the address's and the mailbox's caps. Under
// concurrent requests for one address the row lock makes the second re-check the row and find it already
// asked for; each request is recorded by hashes (confirmation_requests) for the caps.
const REQUEST = sql`
  WITH candidates AS (
    SELECT s.id, encode(sha256(convert_to(s.email, 'UTF8')), 'hex') AS address_hash,
           encode(sha256(convert_to(verdicts_mailbox(s.email), 'UTF8')), 'hex') AS mailbox_hash
    FROM subscribers s
    WHERE s.id = ANY($1::bigint[]) AND s.status = 'pending' AND s.confirm_requested_at IS NULL
      AND (s.confirm_sent_at IS NULL OR s.confirm_sent_at < now() - make_interval(secs => $2))
  ), allowed AS (
    SELECT c.* FROM candidates c
    WHERE (SELECT count(*) FROM confirmation_requests r WHERE r.address_hash = c.address_hash AND r.requested_at > now() - make_interval(secs => $4)) < $3
      AND (SELECT count(*) FROM confirmation_requests r WHERE r.mailbox_hash = c.mailbox_hash AND r.requested_at > now() - make_interval(secs => $6)) < $5
  ), asked AS (
    UPDATE subscribers s SET confirm_requested_at = now(), updated_at = now()
    FROM allowed a WHERE s.id = a.id AND s.status = 'pending' AND s.confirm_requested_at IS NULL
    RETURNING s.id, a.address_hash, a.mailbox_hash
  )
  INSERT INTO confirmation_requests (address_hash, mailbox_hash) SELECT address_hash, mailbox_hash FROM asked
  RETURNING 1`;
// One request at a time per mailbox, so twenty simultaneous signups of victim+1@… … victim+20@… are
// counted one after the other (an import's bulk request does without: an operator's own list).
const LOCK_MAILBOX = sql`
  SELECT pg_advisory_xact_lock(hashtextextended('verdicts-confirm:' || verdicts_mailbox(email), 0)) FROM subscribers WHERE id = $1`;
const PRUNE_REQUESTS = sql`DELETE FROM confirmation_requests WHERE requested_at < now() - make_interval(secs => $1)`;
// Confirming makes the reader owed the welcome email (welcome-sender.ts), in the same statement, unless
// they were welcomed before (a reader who left and came back). Confirming is a sign of life: the sunset's
// idle count starts over (src/subscribers/sunset.ts), also for a reader who was inactive and signed up again.
const ACTIVATE = sql`
  UPDATE subscribers s SET status = 'active', consent_at = now(), unsubscribed_at = NULL, inactive_at = NULL, updated_at = now(),
    welcome_owed_at = CASE WHEN welcome_sent_at IS NULL THEN now() ELSE welcome_owed_at END,
    ${engagedSet('now()')}
  WHERE id = $1 AND status = 'pending'
  RETURNING email`;
const STATUS = sql`SELECT status FROM subscribers WHERE id = $1`;
// Confirming through the form is fresh consent: the erasure record of that address has done its job.
const UNFORGET = sql`DELETE FROM forgotten_subscribers WHERE email_hash = $1`;

export function confirmToken(secret: string, subscriberId: number, sentAt: Date): string {
  return signToken(secret, { purpose: 'confirm', subscriberId, issueId: 0, toolId: 0, expiresAt: expiryFrom(sentAt, 'confirm') });
}

export function confirmUrl(publicUrl: string, secret: string, subscriberId: number, sentAt: Date): string {
  return `${publicUrl}/confirm?token=${confirmToken(secret, subscriberId, sentAt)}`;
}

/**
 * Queues a confirmation email for each pending reader among `ids` that is owed one (not one in the last
 * ten minutes, none already on its way) and wakes the confirmation job. Returns how many were queued.
 */
export async function requestConfirmations(deps: ReaderDeps, ids: number[], trigger: ConfirmTrigger): Promise<number> {
  let queued = 0;
  const unique = [...new Set(ids)];
  const L = CONFIRM_LIMITS;
  const params = (chunk: number[]) => [chunk, CONFIRM_RESEND_AFTER_SECONDS, L.perAddress, L.perAddressSeconds, L.perMailbox, L.perMailboxSeconds];
  if (unique.length === 1) {
    queued = await inTransaction(deps.db, async (tx) => {
      await tx.query(LOCK_MAILBOX, [unique[0]]);
      return (await tx.query(REQUEST, params(unique))).rowCount ?? 0;
    });
  } else {
    for (let i = 0; i < unique.length; i += REQUEST_CHUNK) queued += (await deps.db.query(REQUEST, params(unique.slice(i, i + REQUEST_CHUNK)))).rowCount ?? 0;
  }
  if (Math.random() < 0.01) await deps.db.query(PRUNE_REQUESTS, [Math.max(L.perAddressSeconds, L.perMailboxSeconds)]);
  if (queued > 0) await wakeConfirmations(deps.queue('confirm'), trigger);
  return queued;
}

export type ConfirmOutcome =
  | { kind: 'confirmed'; email: string }
  | { kind: 'already-active' }
  /** Unsubscribed, suppressed or erased since the link was sent: the link cannot bring them back. */
  | { kind: 'not-pending' };

/** Activates the reader a valid confirm token names, recording the consent time, and wakes the job that
 * sends the welcome (given a queue; otherwise the sweeper wakes it within a minute). */
export async function confirmSubscriber(deps: Pick<App, 'db' | 'log'> & Partial<Pick<App, 'queue'>>, claims: TokenClaims): Promise<ConfirmOutcome> {
  const outcome = await inTransaction(deps.db, async (tx): Promise<ConfirmOutcome> => {
    const { rows } = await tx.query<{ email: string }>(ACTIVATE, [claims.subscriberId]);
    if (rows[0]) {
      await tx.query(UNFORGET, [emailHash(rows[0].email)]);
      return { kind: 'confirmed', email: rows[0].email };
    }
    const status = (await tx.query<{ status: string }>(STATUS, [claims.subscriberId])).rows[0]?.status;
    return status === 'active' ? { kind: 'already-active' } : { kind: 'not-pending' };
  });
  if (outcome.kind === 'confirmed') {
    deps.log.info({ subscriberId: claims.subscriberId }, 'subscription confirmed');
    // The welcome is owed in Postgres already; a failed wake only delays it until the sweeper's.
    if (deps.queue) await wakeConfirmations(deps.queue('confirm'), 'confirmed').catch(() => {});
  }
  return outcome;
}

/** Where a confirm link stands before its button is clicked: nothing is changed. */
export async function confirmLinkState(deps: Pick<App, 'db'>, claims: TokenClaims): Promise<'pending' | 'already-active' | 'not-pending'> {
  const status = (await deps.db.query<{ status: string }>(STATUS, [claims.subscriberId])).rows[0]?.status;
  return status === 'pending' ? 'pending' : status === 'active' ? 'already-active' : 'not-pending';
}

/** "Send me a new link" from an expired confirm link: the same once-per-ten-minutes rule applies.
 * 'queued': a new link is on its way; 'not-queued': one was sent in the last ten minutes or is on its way. */
export async function resendConfirmation(deps: ReaderDeps, claims: TokenClaims): Promise<'queued' | 'not-queued' | 'active' | 'not-pending'> {
  const status = (await deps.db.query<{ status: string }>(STATUS, [claims.subscriberId])).rows[0]?.status;
  if (status !== 'pending') return status === 'active' ? 'active' : 'not-pending';
  return (await requestConfirmations(deps, [claims.subscriberId], 'resend')) > 0 ? 'queued' : 'not-queued';
}
