// Sunset: a graceful goodbye to readers who no longer read. A reader with no sign of life (a click, a vote,
// the keep link, confirming) in the last SUNSET_AFTER_ISSUES issues they received is asked once "still
// want this?" (emails/still-interested.tsx, sent by the confirmation job through the claim-first owed-mail
// mechanism and the one delivery path); without an answer within SUNSET_GRACE_ISSUES more issues they
// become 'inactive': fan-out (which takes 'active' readers only) no longer sends to them. The keep link
// brings them back with one click, and so does signing up again (through the confirmation).
//
// Opens never count: Apple Mail Privacy Protection (and some corporate scanners) fetch every email's
// pixel whether or not anyone reads it, so an open proves nothing, and an open together with a click adds
// nothing over the click itself. Clicks come from the provider's events (rolled up in event-rollup.ts).
//
// Everything is counted on the reader's row (migration 095): the issues received since the last activity
// (idle_issues) are added once per issue when it is tallied, from its 'sent' ledger rows, by this run or
// by the ledger prune just before those rows leave. So no figure depends on rows a prune removed.
import type { Logger } from 'pino';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import type { OutgoingEmail } from '../delivery/mailer.js';
import { wakeConfirmations } from '../queue/confirm-queue.js';
import type { AppQueue } from '../queue/connection.js';
import { sqlStates } from '../issues/lifecycle.js';
import { lockUntalliedIssue, markTallied, markTallyUpto, untalliedIssues } from '../issues/repo.js';
import { linkedEmails, owedMailKind, slotLink, type OwedGroup, type OwedMailDeps } from './owed-mail.js';
import { verifyToken, type TokenClaims } from './tokens.js';

const sql = String.raw;
/** Issues an asked reader may still receive without answering before they become inactive. */
export const SUNSET_GRACE_ISSUES = 2;

/**
 * The SET list that records a sign of life at `at` (an SQL expression) on the subscribers row aliased `s`:
 * the latest activity wins; a newer one starts the idle count again and withdraws a pending or sent ask.
 */
export function engagedSet(at: string): string {
  return sql`
    last_active_at = greatest(s.last_active_at, ${at}),
    idle_issues = CASE WHEN s.last_active_at IS NULL OR ${at} >= s.last_active_at THEN 0 ELSE s.idle_issues END,
    sunset_owed_at = CASE WHEN ${at} >= s.sunset_owed_at THEN NULL ELSE s.sunset_owed_at END,
    issues_since_asked = CASE WHEN ${at} >= s.sunset_asked_at THEN 0 ELSE s.issues_since_asked END,
    sunset_asked_at = CASE WHEN ${at} >= s.sunset_asked_at THEN NULL ELSE s.sunset_asked_at END`;
}

const TALLY_CHUNK = 10_000;
const Q = {
  // The next chunk of the issue's readers, by id along the ledger's primary key.
  chunkEnd: sql`SELECT max(subscriber_id) AS hi FROM (SELECT subscriber_id FROM deliveries WHERE issue_id = $1 AND subscriber_id > $2 ORDER BY subscriber_id LIMIT $3) c`,
  // One chunk of an issue's receipts: every reader it reached who had shown no sign of life since it started.
  tally: sql`
    UPDATE subscribers s SET idle_issues = s.idle_issues + 1,
      issues_since_asked = CASE WHEN s.sunset_asked_at < $2 THEN s.issues_since_asked + 1 ELSE s.issues_since_asked END
    FROM deliveries d
    WHERE d.issue_id = $1 AND d.subscriber_id > $3 AND d.subscriber_id <= $4 AND d.state = 'sent' AND s.id = d.subscriber_id
      AND (s.last_active_at IS NULL OR s.last_active_at < $2)`,
  // What a pass would do, read only: the counts as they will be once the issues not yet counted are.
  preview: sql`
    WITH pending AS (
      SELECT d.subscriber_id, count(*)::int AS n, (count(*) FILTER (WHERE s.sunset_asked_at < i.send_started_at))::int AS n_asked
      FROM issues i
      JOIN deliveries d ON d.issue_id = i.id AND d.state = 'sent' AND d.subscriber_id > i.sunset_tally_upto
      JOIN subscribers s ON s.id = d.subscriber_id
      WHERE i.state IN ${sqlStates(['sent'])} AND i.sunset_tallied_at IS NULL AND (s.last_active_at IS NULL OR s.last_active_at < i.send_started_at)
      GROUP BY d.subscriber_id),
    r AS (
      SELECT s.id, s.email, s.idle_issues + coalesce(p.n, 0) AS idle_issues, s.issues_since_asked + coalesce(p.n_asked, 0) AS since_asked,
             s.sunset_asked_at, s.sunset_owed_at, s.sunset_claim
      FROM subscribers s LEFT JOIN pending p ON p.subscriber_id = s.id
      WHERE s.status = 'active')
    SELECT email, idle_issues, (sunset_asked_at IS NOT NULL AND since_asked >= $2) AS inactivate
    FROM r
    WHERE (sunset_asked_at IS NOT NULL AND since_asked >= $2)
       OR (idle_issues >= $1 AND sunset_asked_at IS NULL AND sunset_owed_at IS NULL AND sunset_claim IS NULL)
    ORDER BY id`,
  inactivate: sql`
    UPDATE subscribers SET status = 'inactive', inactive_at = now(), updated_at = now()
    WHERE status = 'active' AND sunset_asked_at IS NOT NULL AND issues_since_asked >= $1
    RETURNING id, email, idle_issues`,
  ask: sql`
    UPDATE subscribers SET sunset_owed_at = now(), updated_at = now()
    WHERE status = 'active' AND idle_issues >= $1 AND sunset_asked_at IS NULL AND sunset_owed_at IS NULL AND sunset_claim IS NULL
    RETURNING id, email, idle_issues`,
  // Keep: an active reader's ask is withdrawn; an inactive one is active again. Nobody else is touched:
  // an unsubscribed or suppressed reader is not brought back by an old link.
  keep: sql`
    WITH old AS (SELECT id, status FROM subscribers WHERE id = $1 AND status IN ('active', 'inactive') FOR UPDATE)
    UPDATE subscribers s SET status = 'active', inactive_at = NULL, updated_at = now(), ${engagedSet('now()')}
    FROM old WHERE s.id = old.id
    RETURNING old.status AS was`,
  reader: sql`SELECT email, status, sunset_asked_at FROM subscribers WHERE id = $1`,
};

/**
 * Counts the next chunk of one sent issue's receipts on its readers' rows; 'done' once the whole issue is
 * counted (or it was already). Each chunk moves the issue's mark in the same transaction, so every reader
 * is counted once however the chunks are interrupted or raced.
 */
async function tallyChunk(tx: Queryable, issueId: number): Promise<'more' | 'done'> {
  const issue = await lockUntalliedIssue(tx, issueId);
  if (!issue) return 'done';
  const from = issue.upto;
  const hi = (await tx.query<{ hi: string | null }>(Q.chunkEnd, [issue.id, from, TALLY_CHUNK])).rows[0]?.hi;
  if (hi === null || hi === undefined) {
    await markTallied(tx, issue.id);
    return 'done';
  }
  await tx.query(Q.tally, [issue.id, issue.send_started_at, from, hi]);
  await markTallyUpto(tx, issue.id, hi);
  return 'more';
}

/** Counts a sent issue's receipts, a chunk of readers per transaction (row locks held briefly). */
export async function tallyIssue(db: Db, issueId: number): Promise<void> {
  while ((await inTransaction(db, (tx) => tallyChunk(tx, issueId))) === 'more');
}

/** The same inside the caller's transaction (the ledger prune, just before the issue's rows leave). */
export async function tallyIssueIn(tx: Queryable, issueId: number): Promise<void> {
  while ((await tallyChunk(tx, issueId)) === 'more');
}

export interface SunsetReader {
  email: string;
  /** Issues received since the reader's last sign of life. */
  idle_issues: number;
}

export interface SunsetResult {
  /** Readers asked "still want this?" by this run (with dryRun: who would be). */
  asked: SunsetReader[];
  /** Readers made inactive by this run. */
  inactivated: SunsetReader[];
  /** Sent issues whose receipts were counted by this run (with dryRun: not yet counted). */
  tallied: number;
  dryRun: boolean;
}

/**
 * One sunset pass: counts the receipts of sent issues not yet counted, retires asked readers who received
 * SUNSET_GRACE_ISSUES more issues without answering, then asks those idle for `afterIssues` issues.
 * With dryRun nothing is written: one read-only query shows what a pass would do, the issues not yet
 * counted included. Running it again asks nobody twice. The emails go out through the confirmation job,
 * woken here.
 */
export async function runSunset(
  deps: { db: Db; log: Logger; confirmQueue?: AppQueue },
  opts: { afterIssues: number; dryRun?: boolean },
): Promise<SunsetResult> {
  if (!Number.isInteger(opts.afterIssues) || opts.afterIssues < 1) throw new Error('the sunset is off (SUNSET_AFTER_ISSUES=0)');
  const strip = (rows: SunsetReader[]) => rows.map((r) => ({ email: r.email, idle_issues: r.idle_issues }));
  if (opts.dryRun) {
    const rows = (await deps.db.query<SunsetReader & { inactivate: boolean }>(Q.preview, [opts.afterIssues, SUNSET_GRACE_ISSUES])).rows;
    const tallied = (await untalliedIssues(deps.db)).length;
    return { asked: strip(rows.filter((r) => !r.inactivate)), inactivated: strip(rows.filter((r) => r.inactivate)), tallied, dryRun: true };
  }
  const untallied = await untalliedIssues(deps.db);
  for (const id of untallied) await tallyIssue(deps.db, id);
  const r = await inTransaction(deps.db, async (tx): Promise<SunsetResult> => {
    // One pass at a time (the scheduler's and an operator's).
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('verdicts-sunset', 0))`);
    const inactivated = (await tx.query<SunsetReader>(Q.inactivate, [SUNSET_GRACE_ISSUES])).rows;
    const asked = (await tx.query<SunsetReader>(Q.ask, [opts.afterIssues])).rows;
    return { asked: strip(asked), inactivated: strip(inactivated), tallied: untallied.length, dryRun: false };
  });
  deps.log.info({ asked: r.asked.length, inactivated: r.inactivated.length, tallied: r.tallied, afterIssues: opts.afterIssues }, 'sunset: idle readers asked, unanswered ones made inactive');
  if (r.asked.length > 0 && deps.confirmQueue) await wakeConfirmations(deps.confirmQueue, 'sunset').catch(() => {});
  return r;
}

// ---- the keep link ----

export type KeepLink = { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid' | 'expired' };

export function keepClaims(secret: string, token: unknown): KeepLink {
  const check = verifyToken(secret, token, 'keep');
  if (check.ok) return { ok: true, claims: check.claims };
  return { ok: false, reason: check.reason === 'expired' ? 'expired' : 'invalid' };
}

export type KeepState = 'asked' | 'active' | 'inactive' | 'gone';

/** Where the link's reader stands, for the page with the button; nothing is changed. */
export async function keepState(db: Queryable, claims: TokenClaims): Promise<KeepState> {
  const r = (await db.query<{ status: string; sunset_asked_at: Date | null }>(Q.reader, [claims.subscriberId])).rows[0];
  if (!r || (r.status !== 'active' && r.status !== 'inactive')) return 'gone';
  return r.status === 'inactive' ? 'inactive' : r.sunset_asked_at ? 'asked' : 'active';
}

export type KeepOutcome = { kind: 'kept' | 'reactivated' } | { kind: 'gone' };

/** The reader said yes: they stay (or are active again), their idle count starts over. */
export async function keepSubscriber(db: Queryable, claims: TokenClaims): Promise<KeepOutcome> {
  const row = (await db.query<{ was: string }>(Q.keep, [claims.subscriberId])).rows[0];
  if (!row) return { kind: 'gone' };
  return { kind: row.was === 'inactive' ? 'reactivated' : 'kept' };
}

// ---- the "still want this?" email, an owed-mail kind (sent after confirmations and welcomes) ----

/** Readers owed the ask now, or claimed and unsent (the sweeper's question; an EXISTS subquery). */
export const SUNSET_OWED = sql`SELECT 1 FROM subscribers WHERE sunset_owed_at IS NOT NULL AND status = 'active'`;
interface SunsetMailReader {
  id: number;
  email: string;
  idle_issues: number;
  sunset_claimed_at: Date;
}

let templateModule: Promise<typeof import('../../emails/still-interested.js')> | undefined;
const template = () => (templateModule ??= import('../../emails/still-interested.js'));

/** The emails of one claim: rendered once with slots, each reader's tokens (expiring from the claim time) put in. */
export async function stillInterestedEmails(deps: Pick<OwedMailDeps, 'config'>, g: OwedGroup<SunsetMailReader>): Promise<OutgoingEmail[]> {
  const { StillInterested, stillInterestedText, STILL_INTERESTED_SUBJECT } = await template();
  const props = { graceIssues: SUNSET_GRACE_ISSUES, keepUrl: slotLink(deps.config, '/keep', 'keep') };
  return linkedEmails(deps, g, { template: 'still-interested', component: StillInterested, text: stillInterestedText, props, subject: STILL_INTERESTED_SUBJECT, links: ['keep'] });
}

export const stillInterestedMail = owedMailKind<SunsetMailReader>(
  {
    name: 'sunset',
    owedAt: 'sunset_owed_at',
    claimable: "status = 'active'",
    columns: ['idle_issues'],
    // Readers of a claim who left, or showed a sign of life since (the ask was withdrawn), leave it.
    leave: { when: "(status <> 'active' OR sunset_owed_at IS NULL)", clearOwed: false },
    // Accepted: the grace period counts from the claim time. A reader whose ask was withdrawn while the
    // request was in flight got the email but is not counted as asked. Refused for good: nobody was
    // asked; the next sunset run asks again.
    sent: 'sunset_asked_at = CASE WHEN sunset_owed_at IS NOT NULL THEN sunset_claimed_at END, issues_since_asked = 0, sunset_owed_at = NULL',
  },
  stillInterestedEmails,
);
