// Sends the confirmation emails readers are owed: the body of the 'send-confirmations' job, run by the
// send workers. One run claims up to 100 owed readers, makes one provider request for them (after taking
// a slot at the shared send-rate gate, like every issue batch) and repeats until none is owed, so a burst
// of 1,000 signups costs about ten provider requests.
//
// Exactly once, the ledger way: the claim is committed before the request is made. It labels the rows
// (confirm_claim) and fixes the claim time (confirm_claimed_at); the idempotency key, the links' expiry and
// so the bodies are functions of the claimed ids and that time. A run that dies or fails mid-request
// leaves the claim in place, and the next run sends that same request again first: if the provider had
// accepted it, it answers from its idempotency record and nobody gets a second email.
import type { Db } from '../db/pool.js';
import type { OutgoingEmail } from '../delivery/mailer.js';
import type { ProcessState } from '../process-state.js';
import { CONFIRM_RESEND_AFTER_SECONDS, confirmToken } from './confirmation.js';
import { owedIdempotencyKey, owedMailKind, sendOwed, type OwedGroup, type OwedMailDeps, type OwedMailKind, type OwedRunResult } from './owed-mail.js';
import { TOKEN_LIFETIME_DAYS } from './tokens.js';
import { WELCOME_OWED, welcomeMail } from './welcome-sender.js';
import { SUNSET_OWED, stillInterestedMail } from './sunset.js';

export type ConfirmSenderDeps = OwedMailDeps;
export type ConfirmRunResult = OwedRunResult;

// A run that keeps finding owed readers (a signup storm) hands over to a fresh job after this many
// requests, so no job runs for ever and the queue's bookkeeping stays current.
const MAX_REQUESTS_PER_RUN = 50;
const sql = String.raw;

/** Whether any confirmation, welcome or "still want this?" is owed now or claimed and unsent: the sweeper's question. */
const ANY_OWED = sql`
  SELECT EXISTS (
    SELECT 1 FROM subscribers
    WHERE confirm_requested_at IS NOT NULL AND status = 'pending'
      AND (confirm_claim IS NOT NULL OR confirm_sent_at IS NULL OR confirm_sent_at < now() - make_interval(secs => $1))
  ) OR EXISTS (${WELCOME_OWED}) OR EXISTS (${SUNSET_OWED}) AS owed`;

interface ClaimedReader {
  id: number;
  email: string;
  source: string;
  confirm_claimed_at: Date;
}

export type ClaimGroup = OwedGroup<ClaimedReader>;

/** The key is a function of the claimed ids and the claim time: every replay of a claim sends the same. */
export function confirmIdempotencyKey(group: ClaimGroup): string {
  return owedIdempotencyKey('confirm', group);
}

// The email is rendered once per process and kind (form or import) with a placeholder where the token
// goes; each reader's copy is one string replacement. The token is [A-Za-z0-9._-], which needs no escaping.
const TOKEN_SLOT = 'CONFIRMTOKENSLOT';
// Loaded on the first confirmation a process sends: a sender that only delivers issues never loads react.
let confirmModule: Promise<typeof import('../../emails/confirm-subscription.js')> | undefined;
const confirmTemplate = () => (confirmModule ??= import('../../emails/confirm-subscription.js'));

type Kind = 'form' | 'import';
const kindOf = (source: string): Kind => (source.startsWith('import') ? 'import' : 'form');

function propsFor(config: ConfirmSenderDeps['config'], kind: Kind, url: string) {
  return {
    confirmUrl: url,
    publicUrl: config.publicUrl,
    mailingAddress: config.mailingAddress,
    source: kind,
    expiresInDays: TOKEN_LIFETIME_DAYS.confirm,
  };
}

async function templateFor(config: ConfirmSenderDeps['config'], kind: Kind, templates: ProcessState['confirmTemplates']): Promise<string> {
  const cacheKey = [kind, config.publicUrl, config.mailingAddress].join('\n');
  const hit = templates.get(cacheKey);
  if (hit) return hit;
  const [{ createElement }, { render }, { ConfirmSubscription }] = await Promise.all([import('react'), import('@react-email/render'), confirmTemplate()]);
  const html = await render(createElement(ConfirmSubscription, propsFor(config, kind, `${config.publicUrl}/confirm?token=${TOKEN_SLOT}`)));
  if (!html.includes(TOKEN_SLOT)) throw new Error('the confirmation template lost its link placeholder');
  templates.set(cacheKey, html);
  return html;
}

/** The confirmation email of one claimed reader: the same bytes on every call for the same claim. */
export async function confirmationEmail(config: ConfirmSenderDeps['config'], r: ClaimedReader, templates: ProcessState['confirmTemplates']): Promise<OutgoingEmail> {
  const kind = kindOf(r.source);
  const token = confirmToken(config.tokenSecret, r.id, r.confirm_claimed_at);
  const url = `${config.publicUrl}/confirm?token=${token}`;
  const { confirmSubscriptionText, CONFIRM_SUBJECT } = await confirmTemplate();
  return {
    from: config.emailFrom,
    to: r.email,
    subject: CONFIRM_SUBJECT,
    html: (await templateFor(config, kind, templates)).replaceAll(TOKEN_SLOT, token),
    text: confirmSubscriptionText(propsFor(config, kind, url)),
    headers: {},
    tags: [{ name: 'category', value: 'confirm-subscription' }],
  };
}

const confirmMail = owedMailKind<ClaimedReader>(
  {
    name: 'confirm',
    owedAt: 'confirm_requested_at',
    claimable: "status = 'pending' AND (confirm_sent_at IS NULL OR confirm_sent_at < now() - make_interval(secs => $3))",
    owedParams: [CONFIRM_RESEND_AFTER_SECONDS],
    columns: ['source'],
    // Readers of a claim who confirmed, left or were suppressed since are not mailed: they leave the claim.
    leave: { when: "status <> 'pending'", clearOwed: true },
    // Accepted: the ten-minute clock starts at the claim time, the time the link's expiry counts from.
    // Refused for good (retrying cannot help): the request is dropped and the last accepted confirmation
    // stays the clock, so the reader can ask again at once.
    sent: 'confirm_sent_at = confirm_claimed_at, confirm_requested_at = NULL',
  },
  (deps, group) => Promise.all(group.readers.map((r) => confirmationEmail(deps.config, r, deps.state.confirmTemplates))),
);

/** Claims up to 100 owed readers for one provider request; null when none is owed. */
export const claimOwed = (db: Db): Promise<ClaimGroup | null> => confirmMail.claimOwed(db);

/**
 * Sends every confirmation owed, then every welcome owed (welcome-sender.ts), then every "still want
 * this?" (sunset.ts), unanswered claims first,
 * 100 readers per provider request, until none is owed (or the run's request budget is spent). Safe to
 * run any number of times, also concurrently.
 */
export async function sendOwedConfirmations(deps: ConfirmSenderDeps, opts: { finalAttempt: boolean }): Promise<ConfirmRunResult> {
  return sendOwed(deps, [confirmMail, welcomeMail, stillInterestedMail] as ReadonlyArray<OwedMailKind<{ id: number }>>, { ...opts, maxRequests: MAX_REQUESTS_PER_RUN });
}

/** True when a confirmation or welcome is owed or claimed and unsent: the sweeper then wakes the job. */
export async function confirmationsOwed(db: Db): Promise<boolean> {
  return (await db.query<{ owed: boolean }>(ANY_OWED, [CONFIRM_RESEND_AFTER_SECONDS])).rows[0]!.owed;
}
