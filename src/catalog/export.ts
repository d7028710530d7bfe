// `verdicts catalog export`: the catalog in the database as an import file (src/catalog/schema.ts), so that
// export → import into an empty database gives the same catalog, retirements included.
import type { Queryable } from '../db/pool.js';
import type { CatalogFile, KnownSlugs } from './schema.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

const REVIEWERS = sql`SELECT slug, name, role, retired_at IS NOT NULL AS retired FROM reviewers ORDER BY slug`;
const TOOLS = sql`
  SELECT slug, name, category, tagline, description, pricing_entry AS pricing, url, retired_at IS NOT NULL AS retired
  FROM tools ORDER BY category, slug`;
const REVIEWS = sql`
  SELECT t.slug AS tool, p.slug AS reviewer, r.verdict, r.quote
  FROM reviews r JOIN tools t ON t.id = r.tool_id JOIN reviewers p ON p.id = r.reviewer_id
  ORDER BY t.category, t.slug, p.slug`;

/** The whole catalog in the import format; `retired` appears only on retired records, `url` only when set. */
export async function exportCatalog(db: Queryable): Promise<CatalogFile> {
  // One after the other: db may be a single client inside a transaction.
  const reviewers = await db.query(REVIEWERS);
  const tools = await db.query(TOOLS);
  const reviews = await db.query(REVIEWS);
  return {
    reviewers: reviewers.rows.map(({ retired, ...r }) => (retired ? { ...r, retired: true } : r)),
    tools: tools.rows.map(({ retired, url, ...t }) => ({ ...t, ...(url ? { url } : {}), ...(retired ? { retired: true } : {}) })),
    reviews: reviews.rows,
  };
}

/** The slugs stored, which a file's reviews may name without defining them. */
export async function knownSlugs(db: Queryable): Promise<KnownSlugs> {
  const tools = await db.query<{ slug: string }>('SELECT slug FROM tools');
  const reviewers = await db.query<{ slug: string }>('SELECT slug FROM reviewers');
  return { tools: new Set(tools.rows.map((r) => r.slug)), reviewers: new Set(reviewers.rows.map((r) => r.slug)) };
}
