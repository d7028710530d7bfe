// Sends one batch of an issue: claim the batch's ledger rows, personalise, one provider request with a
// stable Idempotency-Key, then mark rows sent. Safe to run any number of times for the same batch.
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import { findIssueById } from '../issues/repo.js';
import { PUBLISHED_STATES } from '../issues/lifecycle.js';
import * as ledger from './ledger.js';
import type { Mailer, OutgoingEmail, RateLimitInfo } from './mailer.js';
import { personaliseLazily, tokenFiller, type IssueForSending } from './personalize.js';
import { markIssueSentIfDone } from './fanout.js';
import type { RateGate } from './rate-gate.js';
import { deliver } from './deliver.js';
import { metrics } from '../metrics.js';
import type { ProcessState, SendingIssue } from '../process-state.js';
import { readyVariants } from './variants.js';
import { asOneByte } from '../issues/charset.js';
import { TemplateUnavailable, type IssueTemplateRef, type IssueTemplates } from './issue-templates.js';
import { readerVariables } from './issue-template.js';

// A templated batch leaves ~100 KB behind, not ~15 MB: a smaller full-collection allowance keeps the heap
// near its floor at the cost of a full collection every few thousand emails.
const LEAN_GROWTH_BYTES = 16e6;

export interface SenderDeps {
  db: Db;
  mailer: Mailer;
  gate: RateGate;
  /** SEND_RATE: what the gate paces to. */
  sendRate: number;
  log: Logger;
  emailFrom: string;
  publicUrl: string;
  tokenSecret: string;
  /** The issue stored at the provider once; absent or null for an issue: every email inline. */
  templates?: IssueTemplates;
  /** The process's issue cache, gate flag and heap ceiling (src/process-state.ts). */
  state: Pick<ProcessState, 'issues' | 'gateBinds' | 'heap' | 'inlineSlots'>;
}

export type BatchResult =
  | { kind: 'done'; sent: number; skipped: number; rateLimit?: RateLimitInfo }
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'failed'; reason: string };

// The stored issue (and its topic variants) never changes once sending started; keep the last few in
// memory per process.
async function loadIssue(db: Db, issueCache: ProcessState['issues'], issueId: number): Promise<SendingIssue | null> {
  const hit = issueCache.get(issueId);
  if (hit) return hit;
  const row = await findIssueById(db, issueId);
  if (!row || !row.html || !row.text || !row.subject || !row.send_started_at) return null;
  if (!PUBLISHED_STATES.includes(row.state)) return null;
  const sendStartedAt = row.send_started_at;
  const variants = new Map<string, IssueForSending>();
  for (const [key, v] of await readyVariants(db, issueId)) {
    variants.set(key, { id: row.id, week: row.week, subject: v.subject, html: asOneByte(v.html), text: asOneByte(v.text), sendStartedAt });
  }
  const issue: SendingIssue = {
    id: row.id,
    week: row.week,
    subject: row.subject,
    html: asOneByte(row.html),
    text: asOneByte(row.text),
    sendStartedAt,
    variants,
  };
  if (issueCache.size > 8) issueCache.clear();
  issueCache.set(issueId, issue);
  return issue;
}

/** One reader's message; with a template it names the template and carries only the reader's tokens. */
export function buildEmail(
  deps: Pick<SenderDeps, 'emailFrom' | 'publicUrl' | 'tokenSecret'>,
  issue: IssueForSending,
  subscriberId: number,
  to: string,
  template: IssueTemplateRef | null = null,
): OutgoingEmail {
  // One filler: each token signed once, whether it goes into a body or a template variable.
  const fill = tokenFiller(issue, subscriberId, deps.tokenSecret);
  const p = personaliseLazily(issue, subscriberId, deps.tokenSecret, deps.publicUrl, fill);
  const email: OutgoingEmail = {
    from: deps.emailFrom,
    to,
    subject: issue.subject,
    html: p.html,
    text: p.text,
    headers: {
      'List-Unsubscribe': `<${p.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: [{ name: 'issue', value: issue.week.replace(/[^A-Za-z0-9_-]/g, '_') }],
  };
  if (template) email.template = { id: template.id, variables: readerVariables(issue, template.source, subscriberId, deps.tokenSecret, fill) };
  return email;
}

/**
 * One batch, one provider request. `finalAttempt` turns a transient error into a stored failure:
 * the caller has no retries left.
 */
export async function sendBatch(
  deps: SenderDeps,
  job: { issueId: number; week: string; batch: number; variant?: string },
  opts: { finalAttempt: boolean },
): Promise<BatchResult> {
  const { db, log } = deps;
  const started = Date.now();
  const loaded = await loadIssue(db, deps.state.issues, job.issueId);
  if (!loaded) return { kind: 'failed', reason: `issue ${job.issueId} is not sending or has no rendered content` };
  // The body this batch sends: the whole issue, or the topic variant its ledger rows were given at fan-out
  // (the ledger decides, the job's variant only names it). An issue without variants reads nothing more.
  let issue: IssueForSending = loaded;
  let variant: string | null = null;
  if (loaded.variants.size > 0) {
    const v = await ledger.batchVariant(db, job.issueId, job.batch);
    if (v === undefined) {
      await markIssueSentIfDone(db, job.issueId, log);
      return { kind: 'done', sent: 0, skipped: 0 };
    }
    if (v !== (job.variant ?? null)) log.warn({ week: job.week, batch: job.batch, job: job.variant ?? null, ledger: v }, 'batch job names another variant than its ledger rows: sending the ledger\'s');
    if (v !== null) {
      const found = loaded.variants.get(v);
      if (!found) return { kind: 'failed', reason: `batch ${job.batch} of issue ${job.week} is for variant ${v}, which is not stored as ready` };
      issue = found;
      variant = v;
    }
  }
  // Decided once per issue (and remembered in the database) before any row is touched, so every attempt
  // of every batch sends the same body under its key: a template, or the inline bodies.
  let template: IssueTemplateRef | null = null;
  try {
    template = (await deps.templates?.forIssue(issue)) ?? null;
  } catch (err) {
    if (!(err instanceof TemplateUnavailable)) throw err;
    await ledger.noteBatchError(db, job.issueId, job.batch, err.message);
    if (!opts.finalAttempt) {
      log.warn({ week: job.week, batch: job.batch, reason: err.message }, 'issue template not ready: batch will be retried');
      return { kind: 'retry', reason: err.message };
    }
    metrics.deliveries.inc({ outcome: 'failed' }, await ledger.markBatchFailed(db, job.issueId, job.batch, `gave up after retries: ${err.message}`));
    await markIssueSentIfDone(db, job.issueId, log);
    return { kind: 'failed', reason: err.message };
  }

  // An inline batch holds ~15 MB while in flight: a few at a time (INLINE_IN_FLIGHT), whatever the worker's
  // concurrency; a templated one ~100 KB.
  return template ? sendClaimed(deps, job, opts, issue, variant, template, started) : deps.state.inlineSlots.run(() => sendClaimed(deps, job, opts, issue, variant, null, started));
}

async function sendClaimed(
  deps: SenderDeps,
  job: { issueId: number; week: string; batch: number },
  opts: { finalAttempt: boolean },
  issue: IssueForSending,
  variant: string | null,
  template: IssueTemplateRef | null,
  started: number,
): Promise<BatchResult> {
  const { db, log } = deps;
  const { skipped, send: set } = await ledger.claimAttempt(db, job.issueId, job.batch);
  if (skipped) metrics.deliveries.inc({ outcome: 'skipped' }, skipped);
  if (set.length === 0) {
    // Nothing left: an earlier run (perhaps in a process that died) finished this batch.
    await markIssueSentIfDone(db, job.issueId, log);
    return { kind: 'done', sent: 0, skipped };
  }
  let emails = set.map((r) => buildEmail(deps, issue, r.subscriber_id, r.email, template));
  // While the send-rate gate binds, every request waits for its slot anyway: personalise before taking it,
  // so the time from slot to provider is only the SDK's serialisation. Work between the slot and the
  // request that varies from batch to batch lands requests unevenly, and a provider counting requests per
  // sliding second answers 429 when a late one is followed by one on time. At full speed (the gate does
  // not bind) the copies are made while the body is serialised, to keep memory low.
  if (deps.state.gateBinds && !template) emails = emails.map((e) => ({ ...e, html: String(e.html), text: String(e.text) }));
  const key = ledger.idempotencyKey(job.week, job.issueId, job.batch, variant);
  deps.state.heap.collectIfDue(template ? LEAN_GROWTH_BYTES : undefined);
  const outcome = await deliver(deps, emails, key, { week: job.week, batch: job.batch }, { lean: template !== null });
  deps.state.gateBinds = outcome.waitedMs > 5;
  const ms = Date.now() - started;
  metrics.batchSeconds.observe(ms / 1000);
  const fields = { week: job.week, batch: job.batch, ...(variant === null ? {} : { variant }), recipients: set.length, idempotencyKey: key, ms };

  switch (outcome.kind) {
    case 'accepted': {
      const marked = await ledger.markSent(db, job.issueId, job.batch, set.map((r) => r.subscriber_id), outcome.ids);
      metrics.deliveries.inc({ outcome: 'sent' }, marked);
      log.info({ ...fields, status: 'accepted', marked, skipped }, 'batch sent');
      await markIssueSentIfDone(db, job.issueId, log);
      return { kind: 'done', sent: marked, skipped, rateLimit: outcome.rateLimit };
    }
    case 'rate-limited':
      log.warn({ ...fields, status: 429, retryAfterMs: outcome.retryAfterMs }, 'provider rate limit: queue waits');
      return { kind: 'rate-limited', retryAfterMs: outcome.retryAfterMs, reason: outcome.reason };
    case 'transient':
      await ledger.noteBatchError(db, job.issueId, job.batch, outcome.reason);
      if (opts.finalAttempt) {
        metrics.deliveries.inc({ outcome: 'failed' }, await ledger.markBatchFailed(db, job.issueId, job.batch, `gave up after retries: ${outcome.reason}`));
        log.error({ ...fields, status: outcome.status, reason: outcome.reason }, 'batch failed after its last retry');
        await markIssueSentIfDone(db, job.issueId, log);
        return { kind: 'failed', reason: outcome.reason };
      }
      log.warn({ ...fields, status: outcome.status, reason: outcome.reason }, 'batch will be retried');
      return { kind: 'retry', reason: outcome.reason };
    case 'permanent':
      metrics.deliveries.inc({ outcome: 'failed' }, await ledger.markBatchFailed(db, job.issueId, job.batch, outcome.reason));
      log.error({ ...fields, status: outcome.status, reason: outcome.reason }, 'batch refused by the provider');
      await markIssueSentIfDone(db, job.issueId, log);
      return { kind: 'failed', reason: outcome.reason };
  }
}
