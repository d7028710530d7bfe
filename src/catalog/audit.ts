// The catalog's audit trail: who changed what, and when. Every admin edit and every import writes a row in
// the same transaction as the change, so a change without its row (or the reverse) cannot exist.
import type { Queryable } from '../db/pool.js';
import type { CatalogDiff } from './diff.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

export interface AuditEntry {
  toolId?: number | null;
  reviewerId?: number | null;
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  created_at: Date;
}

const INSERT = sql`INSERT INTO catalog_audit (tool_id, reviewer_id, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`;

// Rows of an import, naming tools and reviewers by slug (they were upserted just before in the transaction).
const INSERT_BY_SLUG = sql`
  INSERT INTO catalog_audit (tool_id, reviewer_id, actor, action, detail)
  SELECT t.id, p.id, $1, v.action, v.detail
  FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS v(tool_slug, reviewer_slug, action, detail, n)
  LEFT JOIN tools t ON t.slug = v.tool_slug
  LEFT JOIN reviewers p ON p.slug = v.reviewer_slug
  ORDER BY v.n`;

const OF_TOOL = sql`
  SELECT id, actor, action, detail, created_at FROM catalog_audit
  WHERE tool_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;

// The panel's own changes (a reviewer added, changed, retired, by hand or by import); reviews are on their tool's page.
const OF_PANEL = sql`
  SELECT a.id, a.actor, a.action, a.detail, a.created_at, p.slug AS reviewer, p.name AS reviewer_name
  FROM catalog_audit a JOIN reviewers p ON p.id = a.reviewer_id
  WHERE a.tool_id IS NULL ORDER BY a.created_at DESC, a.id DESC LIMIT $1`;

export interface PanelAuditRow extends AuditRow {
  reviewer: string;
  reviewer_name: string;
}

export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(INSERT, [e.toolId ?? null, e.reviewerId ?? null, e.actor, e.action, JSON.stringify(e.detail ?? {})]);
}

/** One row per record an import added or changed. */
export async function auditImport(db: Queryable, diff: CatalogDiff, actor: string): Promise<void> {
  const rows: Array<[string | null, string | null, string, string]> = [];
  for (const slug of diff.tools.added) rows.push([slug, null, 'tool added by import', '{}']);
  for (const c of diff.tools.changed) rows.push([c.key, null, 'tool changed by import', JSON.stringify({ fields: c.fields })]);
  for (const slug of diff.reviewers.added) rows.push([null, slug, 'reviewer added by import', '{}']);
  for (const c of diff.reviewers.changed) rows.push([null, c.key, 'reviewer changed by import', JSON.stringify({ fields: c.fields })]);
  for (const key of diff.reviews.added) {
    const [tool, reviewer] = key.split('/');
    rows.push([tool!, reviewer!, 'review added by import', '{}']);
  }
  for (const c of diff.reviews.changed) {
    const [tool, reviewer] = c.key.split('/');
    rows.push([tool!, reviewer!, 'review changed by import', JSON.stringify({ fields: c.fields })]);
  }
  if (rows.length === 0) return;
  await db.query(INSERT_BY_SLUG, [actor, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])]);
}

/** The newest changes of one tool first. */
export async function auditOfTool(db: Queryable, toolId: number, limit = 50): Promise<AuditRow[]> {
  return (await db.query<AuditRow>(OF_TOOL, [toolId, limit])).rows;
}

/** The newest changes of the reviewer panel first. */
export async function auditOfPanel(db: Queryable, limit = 50): Promise<PanelAuditRow[]> {
  return (await db.query<PanelAuditRow>(OF_PANEL, [limit])).rows;
}
