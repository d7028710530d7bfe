// Per-topic content variants (issue 19). A reader with topics gets only the comparisons of their
// categories: at fan-out the issue is rendered once per distinct set of comparisons its readers need
// (never per reader), each variant checked by the quality gate and stored in issue_variants; every batch
// holds readers of one variant only (src/delivery/ledger.ts numbers them so). The whole issue (every
// comparison) is the issue's own stored render, untouched: readers with every topic get today's email.
// A reader none of whose topics is in the issue gets nothing that week (ledger row 'skipped').
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import type { IssueRow } from '../issues/repo.js';
import { moveVariantToWhole } from './ledger.js';
import type { IssueView } from '../issues/view.js';

/** The whole issue's key in issue_variants; its ledger rows carry variant_key NULL. */
export const WHOLE = 'all';
/** What a variant key looks like: comparison positions joined by '-', e.g. '1-3'. */
export const VARIANT_KEY = /^[0-9]+(-[0-9]+)*$/;

export function positionsOf(key: string): number[] {
  return key.split('-').map(Number);
}

export interface VariantRow {
  variant_key: string;
  positions: number[];
  state: 'ready' | 'refused';
  reason: string | null;
  readers: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

const Q = {
  view: `SELECT render_view FROM issues WHERE id = $1`,
  insert: `
    INSERT INTO issue_variants (issue_id, variant_key, positions, state, reason, readers, subject, preheader, html, text)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (issue_id, variant_key) DO NOTHING`,
  ready: `SELECT variant_key, subject, html, text FROM issue_variants WHERE issue_id = $1 AND state = 'ready' AND variant_key <> 'all'`,
  list: `SELECT variant_key, positions, state, reason, readers, subject FROM issue_variants WHERE issue_id = $1 ORDER BY variant_key = 'all' DESC, variant_key`,
  toolUrls: `
    SELECT DISTINCT t.url FROM comparisons c JOIN tools t ON t.id IN (c.tool_a_id, c.tool_b_id)
    WHERE c.issue_id = $1 AND t.url IS NOT NULL`,
};

/** A variant's view: the stored view with only its comparisons, and a subject and preheader naming them. */
export async function variantView(view: IssueView, positions: number[]): Promise<IssueView> {
  const { buildPreheader, buildSubject } = await import('../issues/render.js');
  const comparisons = view.comparisons.filter((c) => positions.includes(c.position));
  return {
    ...view,
    comparisons,
    subject: buildSubject(comparisons.map((c) => [c.a.name, c.b.name])),
    preheader: buildPreheader(comparisons),
  };
}

/**
 * Renders, gates and stores the variants fan-out just assigned (inside fan-out's transaction, once per
 * issue: the audience is fixed only once). `assigned`: readers per variant key, NULL for the whole issue.
 * A variant that cannot be rendered (an issue rendered before variants existed has no stored view) or
 * fails the quality gate is not sent: its readers get the whole issue, and the row says why.
 */
export async function storeVariants(
  tx: Queryable,
  issue: IssueRow,
  assigned: Array<{ key: string | null; readers: number }>,
  log: Logger,
): Promise<void> {
  const whole = assigned.find((a) => a.key === null)?.readers ?? 0;
  const subsets = assigned.filter((a): a is { key: string; readers: number } => a.key !== null);
  let toWhole = 0;
  if (subsets.length > 0) {
    const view = (await tx.query<{ render_view: IssueView | null }>(Q.view, [issue.id])).rows[0]?.render_view ?? null;
    const [{ renderIssueEmail }, { checkIssue, describeFailures }] = await Promise.all([import('../issues/render.js'), import('../issues/quality.js')]);
    const toolUrls = (await tx.query<{ url: string }>(Q.toolUrls, [issue.id])).rows.map((r) => r.url);
    for (const { key, readers } of subsets) {
      const positions = positionsOf(key);
      let row: VariantRow;
      if (!view) {
        row = { variant_key: key, positions, state: 'refused', reason: 'the issue was rendered before topic variants existed (no stored view): these readers get the whole issue', readers: 0, subject: '', preheader: '', html: '', text: '' };
      } else {
        const v = await variantView(view, positions);
        const { html, text } = await renderIssueEmail(v);
        const report = checkIssue({ id: issue.id, week: issue.week, subject: v.subject, html, text }, { publicUrl: view.publicUrl, tokenSecret: 'quality-gate-sample', toolUrls });
        const failed = report.failures.length > 0;
        row = {
          variant_key: key,
          positions,
          state: failed ? 'refused' : 'ready',
          reason: failed ? `fails the quality gate: ${describeFailures(report.failures)}; these readers get the whole issue` : null,
          readers: failed ? 0 : readers,
          subject: v.subject,
          preheader: v.preheader,
          html,
          text,
        };
      }
      if (row.state === 'refused') {
        await moveVariantToWhole(tx, issue.id, key);
        toWhole += readers;
        log.warn({ week: issue.week, variant: key, reason: row.reason }, 'topic variant not sent: its readers get the whole issue');
      } else {
        log.info({ week: issue.week, variant: key, readers, subject: row.subject }, 'topic variant rendered and stored');
      }
      await insertVariant(tx, issue.id, row);
    }
  }
  if (whole + toWhole > 0) {
    await insertVariant(tx, issue.id, {
      variant_key: WHOLE,
      positions: await allPositions(tx, issue.id),
      state: 'ready',
      reason: null,
      readers: whole + toWhole,
      subject: issue.subject ?? '',
      preheader: issue.preheader ?? '',
      html: issue.html ?? '',
      text: issue.text ?? '',
    });
  }
}

async function allPositions(db: Queryable, issueId: number): Promise<number[]> {
  return (await db.query<{ position: number }>(`SELECT position FROM comparisons WHERE issue_id = $1 ORDER BY position`, [issueId])).rows.map((r) => r.position);
}

async function insertVariant(db: Queryable, issueId: number, r: VariantRow): Promise<void> {
  await db.query(Q.insert, [issueId, r.variant_key, r.positions, r.state, r.reason, r.readers, r.subject, r.preheader, r.html, r.text]);
}

/** The issue's sendable subset variants (the whole issue is the issue's own render), by key. */
export async function readyVariants(db: Queryable, issueId: number): Promise<Map<string, { subject: string; html: string; text: string }>> {
  const { rows } = await db.query<{ variant_key: string; subject: string; html: string; text: string }>(Q.ready, [issueId]);
  return new Map(rows.map((r) => [r.variant_key, { subject: r.subject, html: r.html, text: r.text }]));
}

export interface VariantSummary {
  key: string;
  positions: number[];
  state: 'ready' | 'refused';
  reason: string | null;
  readers: number;
  subject: string;
}

/** The issue's variants for the admin page: the whole issue first. */
export async function listVariants(db: Queryable, issueId: number): Promise<VariantSummary[]> {
  const { rows } = await db.query<{ variant_key: string; positions: number[]; state: 'ready' | 'refused'; reason: string | null; readers: number; subject: string }>(Q.list, [issueId]);
  return rows.map((r) => ({ key: r.variant_key, positions: r.positions, state: r.state, reason: r.reason, readers: r.readers, subject: r.subject }));
}
