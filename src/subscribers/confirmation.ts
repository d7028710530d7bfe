// Double opt-in: the confirmation email and the confirm link. A confirmation is sent at most once per
// address per CONFIRM_RESEND_AFTER, whoever asks (the form, a resend button, an import), so the form
// cannot be used to flood someone's inbox.
import { createElement } from 'react';
import { render } from '@react-email/render';
import type { App } from '../app.js';
import { inTransaction } from '../db/pool.js';
import { createHash } from 'node:crypto';
import { ConfirmSubscription, confirmSubscriptionText, CONFIRM_SUBJECT } from '../../emails/confirm-subscription.js';
import type { OutgoingEmail } from '../delivery/mailer.js';
import { emailHash } from './import.js';
import { expiryFrom, signToken, TOKEN_LIFETIME_DAYS, type TokenClaims } from './tokens.js';

/** What the reader services need of the application context. */
export type ReaderDeps = Pick<App, 'db' | 'mailer' | 'config' | 'log'>;

/** One confirmation email per address per this many seconds. */
export const CONFIRM_RESEND_AFTER_SECONDS = 600;
const BATCH = 100;
const sql = String.raw;

// Claims the right to send: only pending readers whose last confirmation is old enough. SKIP LOCKED lets
// two simultaneous requests for one address both return at once, exactly one of them holding the claim.
// The time is cut to milliseconds so that a JavaScript Date holds it exactly (RELEASE compares it).
const CLAIM = sql`
  WITH due AS (
    SELECT id, confirm_sent_at AS previous FROM subscribers
    WHERE id = ANY($1::bigint[]) AND status = 'pending'
      AND (confirm_sent_at IS NULL OR confirm_sent_at < now() - make_interval(secs => $2))
    ORDER BY id
    FOR UPDATE SKIP LOCKED
  )
  UPDATE subscribers s SET confirm_sent_at = date_trunc('milliseconds', now()), updated_at = now()
  FROM due WHERE s.id = due.id
  RETURNING s.id, s.email, s.source, s.confirm_sent_at, due.previous`;
// A send that did not go out gives the claim back, so the reader can ask again at once.
const RELEASE = sql`
  UPDATE subscribers s SET confirm_sent_at = x.previous
  FROM unnest($1::bigint[], $2::timestamptz[]) AS x(id, previous)
  WHERE s.id = x.id AND s.confirm_sent_at = $3`;
const ACTIVATE = sql`
  UPDATE subscribers SET status = 'active', consent_at = now(), unsubscribed_at = NULL, updated_at = now()
  WHERE id = $1 AND status = 'pending'
  RETURNING email`;
const STATUS = sql`SELECT status FROM subscribers WHERE id = $1`;
// Confirming through the form is fresh consent: the erasure record of that address has done its job.
const UNFORGET = sql`DELETE FROM forgotten_subscribers WHERE email_hash = $1`;

interface Claimed {
  id: number;
  email: string;
  source: string;
  confirm_sent_at: Date;
  previous: Date | null;
}

export function confirmUrl(publicUrl: string, secret: string, subscriberId: number, sentAt: Date): string {
  const token = signToken(secret, { purpose: 'confirm', subscriberId, issueId: 0, toolId: 0, expiresAt: expiryFrom(sentAt, 'confirm') });
  return `${publicUrl}/confirm?token=${token}`;
}

async function buildEmail(deps: ReaderDeps, r: Claimed): Promise<OutgoingEmail> {
  const props = {
    confirmUrl: confirmUrl(deps.config.publicUrl, deps.config.tokenSecret, r.id, r.confirm_sent_at),
    publicUrl: deps.config.publicUrl,
    mailingAddress: deps.config.mailingAddress,
    source: r.source.startsWith('import') ? ('import' as const) : ('form' as const),
    expiresInDays: TOKEN_LIFETIME_DAYS.confirm,
  };
  return {
    from: deps.config.emailFrom,
    to: r.email,
    subject: CONFIRM_SUBJECT,
    html: await render(createElement(ConfirmSubscription, props)),
    text: confirmSubscriptionText(props),
    headers: {},
    tags: [{ name: 'category', value: 'confirm-subscription' }],
  };
}

/**
 * Sends a confirmation email to each pending reader among `ids` that has not had one in the last
 * ten minutes, 100 per provider request. Returns how many were accepted by the provider.
 */
export async function requestConfirmations(deps: ReaderDeps, ids: number[]): Promise<number> {
  let sent = 0;
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += BATCH) {
    const { rows } = await deps.db.query<Claimed>(CLAIM, [unique.slice(i, i + BATCH), CONFIRM_RESEND_AFTER_SECONDS]);
    if (rows.length === 0) continue;
    const claimedAt = rows[0]!.confirm_sent_at;
    const emails = await Promise.all(rows.map((r) => buildEmail(deps, r)));
    // The key and the bodies are functions of (ids, claim time): a retried request is byte-identical.
    const idList = rows.map((r) => r.id).join(',');
    const key = `confirm/${rows.length === 1 ? rows[0]!.id : createHash('sha256').update(idList).digest('hex').slice(0, 24)}/${claimedAt.getTime()}`;
    const outcome = await deps.mailer.sendBatch(emails, key);
    if (outcome.kind === 'accepted') {
      sent += rows.length;
      deps.log.info({ count: rows.length, idempotencyKey: key }, 'confirmation emails sent');
      continue;
    }
    await deps.db.query(RELEASE, [rows.map((r) => r.id), rows.map((r) => r.previous), claimedAt]);
    deps.log.warn({ count: rows.length, idempotencyKey: key, outcome: outcome.kind, reason: outcome.reason }, 'confirmation emails not sent');
  }
  return sent;
}

export type ConfirmOutcome =
  | { kind: 'confirmed'; email: string }
  | { kind: 'already-active' }
  /** Unsubscribed, suppressed or erased since the link was sent: the link cannot bring them back. */
  | { kind: 'not-pending' };

/** Activates the reader a valid confirm token names, recording the consent time. */
export async function confirmSubscriber(deps: Pick<ReaderDeps, 'db' | 'log'>, claims: TokenClaims): Promise<ConfirmOutcome> {
  const outcome = await inTransaction(deps.db, async (tx): Promise<ConfirmOutcome> => {
    const { rows } = await tx.query<{ email: string }>(ACTIVATE, [claims.subscriberId]);
    if (rows[0]) {
      await tx.query(UNFORGET, [emailHash(rows[0].email)]);
      return { kind: 'confirmed', email: rows[0].email };
    }
    const status = (await tx.query<{ status: string }>(STATUS, [claims.subscriberId])).rows[0]?.status;
    return status === 'active' ? { kind: 'already-active' } : { kind: 'not-pending' };
  });
  if (outcome.kind === 'confirmed') deps.log.info({ subscriberId: claims.subscriberId }, 'subscription confirmed');
  return outcome;
}

/** "Send me a new link" from an expired confirm link: the same once-per-ten-minutes rule applies. */
export async function resendConfirmation(deps: ReaderDeps, claims: TokenClaims): Promise<'sent' | 'not-sent' | 'active' | 'not-pending'> {
  const status = (await deps.db.query<{ status: string }>(STATUS, [claims.subscriberId])).rows[0]?.status;
  if (status !== 'pending') return status === 'active' ? 'active' : 'not-pending';
  return (await requestConfirmations(deps, [claims.subscriberId])) > 0 ? 'sent' : 'not-sent';
}
