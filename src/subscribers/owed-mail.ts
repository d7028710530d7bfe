// The claim-first way of sending the one-off emails readers are owed (confirmations, welcomes), shared by
// each kind: claim up to 100 owed readers in one committed statement, then make one provider request for
// them through the send-rate gate, with an idempotency key that is a function of the claimed ids and the
// claim time. A run that dies or fails mid-request leaves the claim, and the next run sends that same
// request first: if the provider had accepted it, it answers from its idempotency record.
// Every kind's statements have one shape, built here from the columns it keeps on the reader's row
// (owedMailKind); kinds whose links are tokens put into a body rendered once share linkedEmails.
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReactElement } from 'react';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { Mailer, OutgoingEmail } from '../delivery/mailer.js';
import type { RateGate } from '../delivery/rate-gate.js';
import { deliver } from '../delivery/deliver.js';
import type { ProcessState } from '../process-state.js';
import { issueGoingOut } from '../issues/repo.js';
import { expiryFrom, signToken, type TokenPurpose } from './tokens.js';

const sql = String.raw;
/** Readers per provider request: Resend's batch limit. */
const OWED_BATCH = 100;

/** The weekly issue goes first: while one is sending, a run makes its first request at once (a reader who
 * just signed up waits no longer than usual) and each further one only this long after the last. An
 * import's thousands of confirmations then take one provider request in five seconds (a tenth of the
 * default SEND_RATE of 2) instead of half the gate, and the rest follow once the issue is out. */
export const ISSUE_FIRST_GAP_MS = 5000;

export interface OwedMailDeps {
  db: Db;
  mailer: Mailer;
  gate: RateGate;
  config: Pick<Config, 'publicUrl' | 'tokenSecret' | 'mailingAddress' | 'emailFrom' | 'scheduleCron' | 'scheduleTz' | 'sendRate'>;
  log: Logger;
  /** The process's rendered confirmation templates (src/process-state.ts). */
  state: Pick<ProcessState, 'confirmTemplates'>;
  /** See ISSUE_FIRST_GAP_MS (tests shorten it). */
  issueFirstGapMs?: number;
}

/** One provider request's worth of readers, claimed together. */
export interface OwedGroup<R extends { id: number }> {
  claim: string;
  claimedAt: Date;
  /** In id order: the key and the order of the bodies depend on it. */
  readers: R[];
}

/** One kind of owed email: how its claims are made, found again, settled, and what each reader gets. */
export interface OwedMailKind<R extends { id: number }> {
  /** For logs and the idempotency key: 'confirm', 'welcome'. */
  name: string;
  claimOwed(db: Db): Promise<OwedGroup<R> | null>;
  /** The oldest claim whose request was never answered, without readers who no longer qualify. */
  unsentClaim(db: Db): Promise<OwedGroup<R> | null>;
  emails(deps: OwedMailDeps, group: OwedGroup<R>): Promise<OutgoingEmail[]>;
  /** Accepted by the provider. */
  markSent(db: Db, claim: string): Promise<void>;
  /** Refused for good, or given up after the last retry. */
  drop(db: Db, claim: string): Promise<void>;
}

export type OwedRunResult =
  /** `more`: the run stopped at its request budget with readers still owed; wake the job again. */
  | { kind: 'done'; sent: number; requests: number; more: boolean }
  /** The provider said wait: the claim stays, and the retry sends it again after the wait. */
  | { kind: 'rate-limited'; retryAfterMs: number; sent: number }
  /** A transient failure: the claim stays, and the retry (with backoff) sends it again. */
  | { kind: 'retry'; reason: string; sent: number };

export function groupOf<R extends { id: number }>(claim: string, rows: R[], claimedAt: (r: R) => Date): OwedGroup<R> | null {
  if (rows.length === 0) return null;
  const readers = [...rows].sort((a, b) => a.id - b.id);
  return { claim, claimedAt: claimedAt(readers[0]!), readers };
}

/**
 * The oldest claim whose request was never answered, after its readers who no longer qualify have left it
 * (`leave`); claims that end up empty are passed over. The statements name the kind's columns: `unsent`
 * returns the claim as `claim`, `leave` and `claimed` take it as $1.
 */
export async function oldestUnsentClaim<R extends { id: number }>(
  db: Db,
  q: { unsent: string; leave: string; claimed: string },
  claimedAt: (r: R) => Date,
): Promise<OwedGroup<R> | null> {
  for (;;) {
    const claim = (await db.query<{ claim: string }>(q.unsent)).rows[0]?.claim;
    if (!claim) return null;
    await db.query(q.leave, [claim]);
    const group = groupOf(claim, (await db.query<R>(q.claimed, [claim])).rows, claimedAt);
    if (group) return group;
  }
}

/**
 * Where one kind keeps its owed email on the reader's row: `owedAt` (set when it is owed, the oldest sent
 * first) and a claim, `<name>_claim` and `<name>_claimed_at`. The statements of every kind have one
 * shape, built here from these columns.
 */
export interface OwedColumns {
  /** For logs and the key, and the claim columns' prefix: confirm → confirm_claim, confirm_claimed_at. */
  name: string;
  owedAt: string;
  /** Who may be claimed besides being owed (a condition on subscribers); may use $3… (`owedParams`). */
  claimable: string;
  owedParams?: unknown[];
  /** What a claim returns of each reader besides id, email and the claim time. */
  columns?: string[];
  /** Readers of an unanswered claim who no longer qualify: they leave it (and, with clearOwed, are owed no more). */
  leave: { when: string; clearOwed: boolean };
  /** The SET list of an accepted claim (the claim itself is cleared beside it). */
  sent: string;
}

/** A kind of owed email from its columns and the emails a claim gets; a refused claim is owed no more. */
export function owedMailKind<R extends { id: number }>(c: OwedColumns, emails: OwedMailKind<R>['emails']): OwedMailKind<R> {
  const claimCol = `${c.name}_claim`;
  const claimedAtCol = `${c.name}_claimed_at` as keyof R & string;
  const returned = ['id', 'email', ...(c.columns ?? []), claimedAtCol];
  // The oldest owed readers, up to one request's worth. SKIP LOCKED: a concurrent claimer (only possible
  // when a stalled job is run twice) takes others instead of waiting. The time is cut to milliseconds so a
  // JavaScript Date holds it exactly (it goes into the key and the links).
  const claimQ = sql`
  WITH owed AS (
    SELECT id FROM subscribers
    WHERE ${c.owedAt} IS NOT NULL AND ${claimCol} IS NULL AND ${c.claimable}
    ORDER BY ${c.owedAt}, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  UPDATE subscribers s SET ${claimCol} = $1, ${claimedAtCol} = date_trunc('milliseconds', now()), updated_at = now()
  FROM owed WHERE s.id = owed.id
  RETURNING ${returned.map((x) => `s.${x}`).join(', ')}`;
  // A claim whose request was never answered with acceptance or refusal: its run died, or failed and is
  // being retried. The oldest first.
  const unsent = sql`SELECT ${claimCol} AS claim FROM subscribers WHERE ${claimCol} IS NOT NULL ORDER BY ${claimedAtCol}, id LIMIT 1`;
  const leave = sql`
  UPDATE subscribers SET ${claimCol} = NULL, ${claimedAtCol} = NULL${c.leave.clearOwed ? `, ${c.owedAt} = NULL` : ''}
  WHERE ${claimCol} = $1 AND ${c.leave.when}`;
  const claimed = sql`SELECT ${returned.join(', ')} FROM subscribers WHERE ${claimCol} = $1`;
  const markSent = sql`
  UPDATE subscribers SET ${c.sent}, ${claimCol} = NULL, ${claimedAtCol} = NULL, updated_at = now()
  WHERE ${claimCol} = $1`;
  const drop = sql`
  UPDATE subscribers SET ${c.owedAt} = NULL, ${claimCol} = NULL, ${claimedAtCol} = NULL, updated_at = now()
  WHERE ${claimCol} = $1`;
  const claimedAt = (r: R) => r[claimedAtCol] as Date;
  return {
    name: c.name,
    claimOwed: async (db) => {
      const claim = randomUUID();
      return groupOf(claim, (await db.query<R>(claimQ, [claim, OWED_BATCH, ...(c.owedParams ?? [])])).rows, claimedAt);
    },
    unsentClaim: (db) => oldestUnsentClaim<R>(db, { unsent, leave, claimed }, claimedAt),
    emails,
    markSent: async (db, claim) => void (await db.query(markSent, [claim])),
    drop: async (db, claim) => void (await db.query(drop, [claim])),
  };
}

/** The placeholder a linked email's link of `purpose` carries until each reader's token is put in. */
const slotOf = (purpose: TokenPurpose) => `LINKEDEMAIL${purpose.toUpperCase()}TOKENSLOT`;

/** A linked email's link of `purpose` at `path` (its token a placeholder until linkedEmails fills it). */
export function slotLink(config: Pick<OwedMailDeps['config'], 'publicUrl'>, path: string, purpose: TokenPurpose): string {
  return `${config.publicUrl}${path}?token=${slotOf(purpose)}`;
}

/** What every linked email's template is given by linkedEmails itself. */
export interface LinkedEmailBase {
  publicUrl: string;
  mailingAddress: string;
  unsubscribeUrl: string;
}

/**
 * The emails of one claim from a template rendered once with a placeholder per link: the unsubscribe link
 * always, and each of `links` (built with slotLink); each reader's tokens, expiring from the claim time, are
 * put in, and the unsubscribe link is also the List-Unsubscribe header. react is loaded on the first such
 * email.
 */
export async function linkedEmails<P extends LinkedEmailBase>(
  deps: Pick<OwedMailDeps, 'config'>,
  g: OwedGroup<{ id: number; email: string }>,
  mail: {
    template: string;
    component: (props: P) => ReactElement;
    text: (props: P) => string;
    props: Omit<P, keyof LinkedEmailBase>;
    subject: string;
    links: TokenPurpose[];
  },
): Promise<OutgoingEmail[]> {
  const { config } = deps;
  const [{ createElement }, { render }] = await Promise.all([import('react'), import('@react-email/render')]);
  const base: LinkedEmailBase = { publicUrl: config.publicUrl, mailingAddress: config.mailingAddress, unsubscribeUrl: slotLink(config, '/unsubscribe', 'unsubscribe') };
  const props = { ...mail.props, ...base } as P;
  const html = await render(createElement(mail.component, props));
  const text = mail.text(props);
  const slots = (['unsubscribe', ...mail.links] as TokenPurpose[]).map((purpose) => [purpose, slotOf(purpose)] as const);
  if (slots.some(([, slot]) => !html.includes(slot))) throw new Error(`the ${mail.template} template lost a link placeholder`);
  return g.readers.map((r) => {
    const tokens = slots.map(([purpose, slot]) => ({ purpose, slot, token: signToken(config.tokenSecret, { purpose, subscriberId: r.id, issueId: 0, toolId: 0, expiresAt: expiryFrom(g.claimedAt, purpose) }) }));
    const fill = (s: string) => tokens.reduce((t, x) => t.replaceAll(x.slot, x.token), s);
    const unsub = tokens.find((x) => x.purpose === 'unsubscribe')!.token;
    return {
      from: config.emailFrom,
      to: r.email,
      subject: mail.subject,
      html: fill(html),
      text: fill(text),
      headers: { 'List-Unsubscribe': `<${config.publicUrl}/unsubscribe?token=${unsub}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      tags: [{ name: 'category', value: mail.template }],
    };
  });
}

/** The key is a function of the kind, the claimed ids and the claim time: every replay sends the same. */
export function owedIdempotencyKey(name: string, group: OwedGroup<{ id: number }>): string {
  const ids = group.readers.map((r) => r.id);
  const who = ids.length === 1 ? String(ids[0]) : createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 24);
  return `${name}/${who}/${group.claimedAt.getTime()}`;
}

/**
 * Sends every email owed of each kind in turn, unanswered claims first, 100 readers per provider request,
 * until none is owed (or `maxRequests` is spent). Safe to run any number of times, also concurrently.
 */
export async function sendOwed(
  deps: OwedMailDeps,
  kinds: ReadonlyArray<OwedMailKind<{ id: number }>>,
  opts: { finalAttempt: boolean; maxRequests: number },
): Promise<OwedRunResult> {
  const { db, log } = deps;
  let sent = 0;
  let requests = 0;
  for (const kind of kinds) {
    while (requests < opts.maxRequests) {
      const group = (await kind.unsentClaim(db)) ?? (await kind.claimOwed(db));
      if (!group) break;
      if (requests > 0 && (await issueGoingOut(db))) {
        await new Promise((r) => setTimeout(r, deps.issueFirstGapMs ?? ISSUE_FIRST_GAP_MS));
      }
      requests++;
      const key = owedIdempotencyKey(kind.name, group);
      const fields = { kind: kind.name, count: group.readers.length, idempotencyKey: key };
      const emails = await kind.emails(deps, group);
      // The one delivery path: the shared send-rate gate first, metrics, and a provider pause for every sender.
      const outcome = await deliver({ ...deps, sendRate: deps.config.sendRate }, emails, key, fields);
      switch (outcome.kind) {
        case 'accepted':
          await kind.markSent(db, group.claim);
          sent += group.readers.length;
          log.info(fields, `${kind.name} emails sent`);
          break;
        case 'rate-limited':
          // Every sender waits, issue batches included (deliver paused the gate).
          log.warn({ ...fields, retryAfterMs: outcome.retryAfterMs }, `provider rate limit: ${kind.name} emails wait`);
          return { kind: 'rate-limited', retryAfterMs: outcome.retryAfterMs, sent };
        case 'transient':
          if (opts.finalAttempt) {
            // Hours of retries did not get this request through: give it up so it cannot hold back the
            // readers behind it (the job is woken again by the sweeper).
            await kind.drop(db, group.claim);
            log.error({ ...fields, status: outcome.status, reason: outcome.reason }, `${kind.name} emails given up after their last retry`);
          } else {
            log.warn({ ...fields, status: outcome.status, reason: outcome.reason }, `${kind.name} emails will be retried`);
          }
          return { kind: 'retry', reason: outcome.reason, sent };
        case 'permanent':
          await kind.drop(db, group.claim);
          log.error({ ...fields, status: outcome.status, reason: outcome.reason }, `${kind.name} emails refused by the provider`);
          break;
      }
    }
    if (requests >= opts.maxRequests) return { kind: 'done', sent, requests, more: true };
  }
  return { kind: 'done', sent, requests, more: false };
}
