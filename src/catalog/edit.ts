// Editing the catalog one record at a time (the admin's forms): each change is checked by the import's own
// zod schemas, written with its audit row in one transaction, and refused as a whole with a message per field.
import { inTransaction, type Db } from '../db/pool.js';
import type { PoolClient } from 'pg';
import { audit, type AuditEntry } from './audit.js';
import { reviewerSchema, reviewSchema, toolSchema } from './schema.js';

/** Field name → the one message shown next to it. */
export type FieldErrors = Record<string, string>;
export type EditResult = { ok: true; slug: string } | { ok: false; errors: FieldErrors };

/** Form values as they come from the browser: every field a string. */
export type FormValues = Record<string, string>;

export const TOOL_FIELDS = ['slug', 'name', 'category', 'tagline', 'description', 'pricing', 'url'] as const;
export const REVIEWER_FIELDS = ['slug', 'name', 'role'] as const;

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

const TOOL_FOR_UPDATE = sql`SELECT id, slug, name, category, tagline, description, pricing_entry AS pricing, url, retired_at FROM tools WHERE slug = $1 FOR UPDATE`;
const INSERT_TOOL = sql`
  INSERT INTO tools (slug, name, category, tagline, description, pricing_entry, url) VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (slug) DO NOTHING RETURNING id`;
const UPDATE_TOOL = sql`
  UPDATE tools SET name = $2, category = $3, tagline = $4, description = $5, pricing_entry = $6, url = $7, updated_at = now()
  WHERE id = $1`;
const RETIRE_TOOL = sql`UPDATE tools SET retired_at = CASE WHEN $2 THEN coalesce(retired_at, now()) END, updated_at = now() WHERE id = $1`;
const REVIEWER_FOR_UPDATE = sql`SELECT id, slug, name, role, retired_at FROM reviewers WHERE slug = $1 FOR UPDATE`;
const INSERT_REVIEWER = sql`INSERT INTO reviewers (slug, name, role) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING RETURNING id`;
const UPDATE_REVIEWER = sql`UPDATE reviewers SET name = $2, role = $3, updated_at = now() WHERE id = $1`;
const RETIRE_REVIEWER = sql`UPDATE reviewers SET retired_at = CASE WHEN $2 THEN coalesce(retired_at, now()) END, updated_at = now() WHERE id = $1`;
const REVIEW_FOR_UPDATE = sql`SELECT verdict, quote FROM reviews WHERE tool_id = $1 AND reviewer_id = $2 FOR UPDATE`;
const UPSERT_REVIEW = sql`
  INSERT INTO reviews (tool_id, reviewer_id, verdict, quote) VALUES ($1, $2, $3, $4)
  ON CONFLICT (tool_id, reviewer_id) DO UPDATE SET verdict = EXCLUDED.verdict, quote = EXCLUDED.quote, updated_at = now()`;

const refuse = (field: string, message: string): EditResult => ({ ok: false, errors: { [field]: message } });

/** The first message per field of a failed parse. */
function errorsOf(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const field = String(i.path[0] ?? 'form');
    out[field] ??= i.message;
  }
  return out;
}

/** Serialises catalog edits with imports, so a diff shown is the diff applied. */
async function locked<T>(db: Db, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('verdicts-catalog'))`);
    return fn(tx);
  });
}

/** Creates a tool (no `existingSlug`) or changes one; the slug of an existing tool never changes. */
export async function saveTool(db: Db, actor: string, values: FormValues, existingSlug?: string): Promise<EditResult> {
  const candidate = {
    slug: existingSlug ?? values.slug ?? '',
    name: values.name ?? '',
    category: values.category ?? '',
    tagline: values.tagline ?? '',
    description: values.description ?? '',
    pricing: values.pricing ?? '',
    ...(values.url?.trim() ? { url: values.url.trim() } : {}),
  };
  const parsed = toolSchema.safeParse(candidate);
  if (!parsed.success) {
    const errors = errorsOf(parsed.error.issues);
    // A taken slug is told with the other problems, not after they are fixed.
    if (!existingSlug && !errors.slug) {
      const taken = (await db.query('SELECT name FROM tools WHERE slug = $1', [candidate.slug])).rows[0];
      if (taken) errors.slug = `"${candidate.slug}" is already used by ${taken.name}`;
    }
    return { ok: false, errors };
  }
  const t = parsed.data;
  const row = [t.slug, t.name, t.category, t.tagline, t.description, t.pricing, t.url ?? null];
  return locked<EditResult>(db, async (tx) => {
    const old = (await tx.query(TOOL_FOR_UPDATE, [t.slug])).rows[0];
    if (!existingSlug) {
      if (old) return refuse('slug', `"${t.slug}" is already used by ${old.name}`);
      const id = (await tx.query(INSERT_TOOL, row)).rows[0].id;
      await audit(tx, { toolId: id, actor, action: 'tool created', detail: { name: t.name, category: t.category } });
      return { ok: true, slug: t.slug };
    }
    if (!old) return refuse('form', `no tool "${existingSlug}"`);
    const changed: Record<string, [unknown, unknown]> = {};
    for (const f of TOOL_FIELDS) if ((old[f] ?? null) !== ((t as Record<string, unknown>)[f] ?? null)) changed[f] = [old[f] ?? null, (t as Record<string, unknown>)[f] ?? null];
    if (Object.keys(changed).length === 0) return { ok: true, slug: t.slug };
    await tx.query(UPDATE_TOOL, [old.id, ...row.slice(1)]);
    await audit(tx, { toolId: old.id, actor, action: 'tool changed', detail: changed });
    return { ok: true, slug: t.slug };
  });
}

/** Retires a tool or a reviewer, or brings one back: false when there is none by that slug; audited only when
 * it changes. */
async function setRetired(db: Db, slug: string, retired: boolean, sql: { forUpdate: string; retire: string }, entry: (id: number) => AuditEntry): Promise<boolean> {
  return locked(db, async (tx) => {
    const old = (await tx.query(sql.forUpdate, [slug])).rows[0];
    if (!old) return false;
    if (Boolean(old.retired_at) === retired) return true;
    await tx.query(sql.retire, [old.id, retired]);
    await audit(tx, entry(old.id));
    return true;
  });
}

/** Retires a tool (never planned again, kept in the archive) or brings it back. */
export async function setToolRetired(db: Db, actor: string, slug: string, retired: boolean): Promise<boolean> {
  return setRetired(db, slug, retired, { forUpdate: TOOL_FOR_UPDATE, retire: RETIRE_TOOL }, (toolId) => ({ toolId, actor, action: retired ? 'tool retired' : 'tool back in the catalog' }));
}

/** One reviewer's verdict and quote on a tool: added, or replacing their earlier one. */
export async function saveReview(db: Db, actor: string, toolSlug: string, values: FormValues): Promise<EditResult> {
  const parsed = reviewSchema.safeParse({ tool: toolSlug, reviewer: values.reviewer ?? '', verdict: values.verdict ?? '', quote: values.quote ?? '' });
  const errors = parsed.success ? {} : errorsOf(parsed.error.issues);
  if (errors.reviewer) errors.reviewer = 'pick a reviewer of the panel';
  if (!parsed.success) return { ok: false, errors };
  const r = parsed.data;
  return locked<EditResult>(db, async (tx) => {
    const tool = (await tx.query(TOOL_FOR_UPDATE, [toolSlug])).rows[0];
    if (!tool) return refuse('form', `no tool "${toolSlug}"`);
    const reviewer = (await tx.query(REVIEWER_FOR_UPDATE, [r.reviewer])).rows[0];
    if (!reviewer) return refuse('reviewer', `no reviewer "${r.reviewer}" on the panel`);
    const old = (await tx.query(REVIEW_FOR_UPDATE, [tool.id, reviewer.id])).rows[0];
    if (reviewer.retired_at && !old) return refuse('reviewer', `${reviewer.name} is retired and writes no new reviews`);
    if (old && old.verdict === r.verdict && old.quote === r.quote) return { ok: true, slug: toolSlug };
    await tx.query(UPSERT_REVIEW, [tool.id, reviewer.id, r.verdict, r.quote]);
    const detail = old ? { reviewer: r.reviewer, verdict: [old.verdict, r.verdict], quote_changed: old.quote !== r.quote } : { reviewer: r.reviewer, verdict: r.verdict };
    await audit(tx, { toolId: tool.id, reviewerId: reviewer.id, actor, action: old ? 'review changed' : 'review added', detail });
    return { ok: true, slug: toolSlug };
  });
}

/** Adds a reviewer to the panel (no `existingSlug`) or changes one's name and role. */
export async function saveReviewer(db: Db, actor: string, values: FormValues, existingSlug?: string): Promise<EditResult> {
  const parsed = reviewerSchema.safeParse({ slug: existingSlug ?? values.slug ?? '', name: values.name ?? '', role: values.role ?? '' });
  if (!parsed.success) return { ok: false, errors: errorsOf(parsed.error.issues) };
  const p = parsed.data;
  return locked<EditResult>(db, async (tx) => {
    const old = (await tx.query(REVIEWER_FOR_UPDATE, [p.slug])).rows[0];
    if (!existingSlug) {
      if (old) return refuse('slug', `"${p.slug}" is already used by ${old.name}`);
      const id = (await tx.query(INSERT_REVIEWER, [p.slug, p.name, p.role])).rows[0].id;
      await audit(tx, { reviewerId: id, actor, action: 'reviewer added', detail: { name: p.name, role: p.role } });
      return { ok: true, slug: p.slug };
    }
    if (!old) return refuse('form', `no reviewer "${existingSlug}"`);
    if (old.name === p.name && old.role === p.role) return { ok: true, slug: p.slug };
    await tx.query(UPDATE_REVIEWER, [old.id, p.name, p.role]);
    const detail = { ...(old.name !== p.name ? { name: [old.name, p.name] } : {}), ...(old.role !== p.role ? { role: [old.role, p.role] } : {}) };
    await audit(tx, { reviewerId: old.id, actor, action: 'reviewer changed', detail });
    return { ok: true, slug: p.slug };
  });
}

/** Retires a reviewer (their reviews stay, they write no new ones) or brings them back. */
export async function setReviewerRetired(db: Db, actor: string, slug: string, retired: boolean): Promise<boolean> {
  return setRetired(db, slug, retired, { forUpdate: REVIEWER_FOR_UPDATE, retire: RETIRE_REVIEWER }, (reviewerId) => ({ reviewerId, actor, action: retired ? 'reviewer retired' : 'reviewer back on the panel' }));
}
