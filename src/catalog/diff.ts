// What importing a catalog file would change, record by record: shown by `verdicts catalog import --dry-run`
// and by the admin's upload before anything is applied.
import { createHash } from 'node:crypto';
import type { CatalogFile } from './schema.js';

export interface RecordChanges {
  /** Slugs (for reviews "tool/reviewer") of records the file adds. */
  added: string[];
  /** Records the file changes, with the fields that differ. */
  changed: Array<{ key: string; fields: string[] }>;
  unchanged: number;
}

export interface CatalogDiff {
  tools: RecordChanges;
  reviewers: RecordChanges;
  reviews: RecordChanges;
}

const TOOL_FIELDS = ['name', 'category', 'tagline', 'description', 'pricing', 'url'] as const;
const REVIEWER_FIELDS = ['name', 'role'] as const;
const REVIEW_FIELDS = ['verdict', 'quote'] as const;

/** Compares a validated file with the stored catalog (as exportCatalog gives it). */
export function diffCatalog(stored: CatalogFile, file: CatalogFile): CatalogDiff {
  return {
    tools: compare(stored.tools, file.tools, (t) => t.slug, TOOL_FIELDS, true),
    reviewers: compare(stored.reviewers, file.reviewers, (r) => r.slug, REVIEWER_FIELDS, true),
    reviews: compare(stored.reviews, file.reviews, (r) => `${r.tool}/${r.reviewer}`, REVIEW_FIELDS, false),
  };
}

/** A short fingerprint of a diff: the admin's confirm step applies a file only if it still changes what was shown. */
export function diffDigest(d: CatalogDiff): string {
  return createHash('sha256').update(JSON.stringify(d)).digest('base64url').slice(0, 22);
}

/** True when the file changes nothing. */
export function isEmptyDiff(d: CatalogDiff): boolean {
  return [d.tools, d.reviewers, d.reviews].every((c) => c.added.length === 0 && c.changed.length === 0);
}

function compare<T extends object>(
  stored: readonly T[],
  incoming: readonly T[],
  keyOf: (r: T) => string,
  fields: readonly string[],
  retirable: boolean,
): RecordChanges {
  const before = new Map(stored.map((r) => [keyOf(r), r as Record<string, unknown>]));
  const out: RecordChanges = { added: [], changed: [], unchanged: 0 };
  for (const record of incoming) {
    const key = keyOf(record);
    const old = before.get(key);
    const now = record as Record<string, unknown>;
    if (!old) {
      out.added.push(key);
      continue;
    }
    const differs = fields.filter((f) => (old[f] ?? null) !== (now[f] ?? null));
    // An absent "retired" leaves the stored state alone, so only an explicit true/false can change it.
    if (retirable && typeof now.retired === 'boolean' && now.retired !== Boolean(old.retired)) differs.push('retired');
    if (differs.length > 0) out.changed.push({ key, fields: differs });
    else out.unchanged++;
  }
  return out;
}

const LISTED = 8;
const some = (items: string[], sep: string) =>
  items.length > LISTED ? `${items.slice(0, LISTED).join(sep)}${sep}… ${items.length - LISTED} more` : items.join(sep);

/** "tools: 1 added (cursor-2), 2 changed (aider: tagline; ollama: url, retired), 15 unchanged". */
export function describeDiff(d: CatalogDiff): string[] {
  return (['tools', 'reviewers', 'reviews'] as const).map((name) => {
    const c = d[name];
    const parts = [];
    if (c.added.length) parts.push(`${c.added.length} added (${some(c.added, ', ')})`);
    if (c.changed.length) parts.push(`${c.changed.length} changed (${some(c.changed.map((x) => `${x.key}: ${x.fields.join(', ')}`), '; ')})`);
    parts.push(`${c.unchanged} unchanged`);
    return `${name}: ${parts.join(', ')}`;
  });
}
