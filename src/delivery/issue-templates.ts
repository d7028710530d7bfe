// Each issue stored at the provider once, as a published template, and remembered in `issue_templates`:
// every batch of the issue then carries only the template's id and the reader's tokens. Idempotent: the row
// is locked while one sender creates the template, and the alias is stable, so a sender that died between
// the provider's create and our update finds its template by alias instead of making a second one.
// A provider that refuses templates (4xx) or RESEND_TEMPLATES=false: the issue goes inline, as before.
import type { Logger } from 'pino';
import { inTransaction, type Db, type Queryable } from '../db/pool.js';
import type { ProviderCall, TemplateProvider } from './mailer.js';
import type { RateGate } from './rate-gate.js';
import type { IssueForSending } from './personalize.js';
import { issueTemplateSource, MAX_TEMPLATE_VARIABLES, type IssueTemplateSource } from './issue-template.js';
import { FINISHED_STATES, sqlStates } from '../issues/lifecycle.js';

/** How long an issue's template stays at the provider after its send is final (an editor may still look). */
export const TEMPLATE_GRACE_MS = 7 * 24 * 3600_000;

/** The template a batch names, with what the reader's variables are made from. */
export interface IssueTemplateRef {
  id: string;
  source: IssueTemplateSource;
}

/** The provider could not answer now (5xx, 429, network): the batch is retried, nothing decided. */
export class TemplateUnavailable extends Error {
  override name = 'TemplateUnavailable';
}

const Q = {
  find: `SELECT state, provider_template_id, reason FROM issue_templates WHERE issue_id = $1 AND content_hash = $2`,
  claim: `INSERT INTO issue_templates (issue_id, content_hash, alias) VALUES ($1, $2, $3) ON CONFLICT (issue_id, content_hash) DO NOTHING`,
  lock: `SELECT state, provider_template_id, reason FROM issue_templates WHERE issue_id = $1 AND content_hash = $2 FOR UPDATE`,
  published: `UPDATE issue_templates SET state = 'published', provider_template_id = $3, reason = NULL, published_at = now() WHERE issue_id = $1 AND content_hash = $2`,
  refused: `UPDATE issue_templates SET state = 'refused', reason = $3 WHERE issue_id = $1 AND content_hash = $2`,
  // Templates of issues whose every delivery is final, once the grace period has passed.
  retirable: `
    SELECT t.issue_id, t.content_hash, t.provider_template_id, i.week FROM issue_templates t JOIN issues i ON i.id = t.issue_id
    WHERE t.state = 'published' AND i.state IN ${sqlStates(FINISHED_STATES)}
      AND coalesce(i.sent_at, i.updated_at) <= now() - make_interval(secs => $1::float8 / 1000)
    ORDER BY t.issue_id`,
  deleted: `UPDATE issue_templates SET state = 'deleted', deleted_at = now() WHERE issue_id = $1 AND content_hash = $2 AND state = 'published'`,
};

interface Row {
  state: 'creating' | 'published' | 'refused' | 'deleted';
  provider_template_id: string | null;
  reason: string | null;
}

const transient = (c: { status: number | null }) => c.status === null || c.status === 429 || c.status >= 500;

export class IssueTemplates {
  // Per app, not per process: tests run several apps (databases, fakes) in one process.
  private readonly decided = new Map<string, IssueTemplateRef | null>();
  private readonly deciding = new Map<string, Promise<IssueTemplateRef | null>>();

  constructor(
    private readonly deps: { db: Db; provider: TemplateProvider | undefined; enabled: boolean; gate: RateGate; log: Logger },
  ) {}

  /** The issue's published template, or null: send inline. Throws TemplateUnavailable to retry later. */
  async forIssue(issue: IssueForSending): Promise<IssueTemplateRef | null> {
    if (!this.deps.provider) return null; // the outbox stores the rendered email
    const source = issueTemplateSource(issue);
    const key = `${issue.id}/${source.contentHash}`;
    if (this.decided.has(key)) return this.decided.get(key)!;
    // One decision per issue and process: the batches in flight when a send starts wait for the same one
    // instead of each holding a pool connection while the row lock is held (with more batches in flight
    // than connections, the holder could then not get one for its own send-rate slot).
    let pending = this.deciding.get(key);
    if (!pending) {
      pending = this.decide(this.deps.provider, issue, source).finally(() => this.deciding.delete(key));
      this.deciding.set(key, pending);
    }
    const decision = await pending;
    if (this.decided.size >= 16) this.decided.clear();
    this.decided.set(key, decision);
    return decision;
  }

  /** Logged once per issue and process: an operator's choice at info, anything else as a warning. */
  private inline(issue: IssueForSending, why: string): null {
    const level = this.deps.enabled ? 'warn' : 'info';
    this.deps.log[level]({ week: issue.week, reason: why }, 'issue sent inline, every email with its HTML, not through a provider template');
    return null;
  }

  private async decide(provider: TemplateProvider, issue: IssueForSending, source: IssueTemplateSource): Promise<IssueTemplateRef | null> {
    if (!this.deps.enabled) return this.inline(issue, 'RESEND_TEMPLATES=false');
    if (source.variables.length > MAX_TEMPLATE_VARIABLES) {
      return this.inline(issue, `the issue needs ${source.variables.length} template variables, over the provider's ${MAX_TEMPLATE_VARIABLES}`);
    }
    const known = await remembered(this.deps.db, issue, source);
    if (known !== undefined) return known === null ? this.inline(issue, 'templates were refused for this issue before (issue_templates.reason)') : known;
    return inTransaction(this.deps.db, async (tx) => {
      await tx.query(Q.claim, [issue.id, source.contentHash, source.alias]);
      // Held while this sender talks to the provider: another sender of the same issue waits here, then
      // finds the template published.
      const row = (await tx.query<Row>(Q.lock, [issue.id, source.contentHash])).rows[0]!;
      const settled = settledBy(row, source);
      if (settled !== undefined) return settled === null ? this.inline(issue, row.reason ?? 'refused before') : settled;
      const outcome = await this.publish(provider, source);
      if ('refused' in outcome) {
        await tx.query(Q.refused, [issue.id, source.contentHash, outcome.refused.slice(0, 1000)]);
        return this.inline(issue, `the provider refused the template: ${outcome.refused}`);
      }
      await tx.query(Q.published, [issue.id, source.contentHash, outcome.id]);
      this.deps.log.info({ week: issue.week, templateId: outcome.id, alias: source.alias, variables: source.variables.length }, 'issue stored at the provider as a published template');
      return { id: outcome.id, source };
    });
  }

  /** Finds (by alias) or creates the template, and publishes it. Every request takes a send-rate slot. */
  private async publish(provider: TemplateProvider, source: IssueTemplateSource): Promise<{ id: string } | { refused: string }> {
    const ask = async <T>(what: string, request: () => Promise<ProviderCall<T>>): Promise<{ value: T } | { refused: string }> => {
      await this.deps.gate.acquire(true);
      const r = await request();
      if (r.ok) return { value: r.value };
      if (transient(r)) throw new TemplateUnavailable(`template ${what} failed: ${r.reason}`);
      return { refused: `${what}: ${r.reason}` };
    };
    const found = await ask('lookup', () => provider.findTemplate(source.alias));
    if ('refused' in found) return found;
    let id = found.value?.id;
    let published = found.value?.published ?? false;
    if (id === undefined) {
      const created = await ask('create', () => provider.createTemplate(source));
      if ('refused' in created) return created;
      id = created.value.id;
      published = false;
    }
    if (!published) {
      const done = await ask('publish', () => provider.publishTemplate(id));
      if ('refused' in done) return done;
    }
    return { id };
  }

  /** Removes the templates of finished issues from the provider after the grace period. Returns how many. */
  async retire(graceMs = TEMPLATE_GRACE_MS): Promise<number> {
    const provider = this.deps.provider;
    if (!provider) return 0;
    const { rows } = await this.deps.db.query<{ issue_id: number; content_hash: string; provider_template_id: string; week: string }>(Q.retirable, [graceMs]);
    let removed = 0;
    for (const t of rows) {
      await this.deps.gate.acquire(true);
      const r = await provider.removeTemplate(t.provider_template_id);
      if (!r.ok) {
        this.deps.log.warn({ week: t.week, templateId: t.provider_template_id, reason: r.reason }, 'could not delete the template of a finished issue; the next sweep tries again');
        continue;
      }
      await this.deps.db.query(Q.deleted, [t.issue_id, t.content_hash]);
      removed++;
      this.deps.log.info({ week: t.week, templateId: t.provider_template_id, wasThere: r.value }, 'template of a finished issue deleted at the provider');
    }
    return removed;
  }
}

/** What a row already decided: a template, null (inline), or undefined (still to do). */
function settledBy(row: Row | undefined, source: IssueTemplateSource): IssueTemplateRef | null | undefined {
  if (!row) return undefined;
  if (row.state === 'published' && row.provider_template_id) return { id: row.provider_template_id, source };
  // Refused, or deleted after the send was final (nothing should be left to send): inline.
  if (row.state === 'refused' || row.state === 'deleted') return null;
  return undefined;
}

async function remembered(db: Queryable, issue: IssueForSending, source: IssueTemplateSource): Promise<IssueTemplateRef | null | undefined> {
  return settledBy((await db.query<Row>(Q.find, [issue.id, source.contentHash])).rows[0], source);
}
