// `verdicts catalog import`: validate a catalog file, then upsert it by slug in one transaction.
import { readFile } from 'node:fs/promises';
import { projectPath } from '../paths.js';
import type { z } from 'zod';
import { inTransaction, type Db } from '../db/pool.js';
import { catalogFileSchema, catalogFileSchemaWith, type CatalogFile, type KnownSlugs } from './schema.js';
import { auditImport } from './audit.js';
import { diffCatalog, diffDigest, type CatalogDiff } from './diff.js';
import { exportCatalog, knownSlugs } from './export.js';

/** Tags a template literal as SQL for editors; it returns the text unchanged. */
const sql = String.raw;

// One statement per table, fed as parallel arrays through unnest(). Rows are inserted in slug order so two
// imports running at once lock rows in the same order. The WHERE on DO UPDATE leaves identical rows alone:
// re-importing an unchanged file writes nothing, not even updated_at.
// `retired` is true, false or null (absent: a new row starts active, an existing one keeps its state).
const UPSERT_REVIEWERS = sql`
  INSERT INTO reviewers AS p (slug, name, role, retired_at)
  SELECT v.slug, v.name, v.role, CASE WHEN v.retired THEN now() END
  FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[]) AS v(slug, name, role, retired)
  ORDER BY v.slug
  ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role,
    retired_at = CASE WHEN $5::text[] @> ARRAY[EXCLUDED.slug] THEN p.retired_at
                      WHEN EXCLUDED.retired_at IS NULL THEN NULL ELSE coalesce(p.retired_at, EXCLUDED.retired_at) END,
    updated_at = now()
  WHERE (p.name, p.role) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.role)
     OR (NOT $5::text[] @> ARRAY[EXCLUDED.slug] AND (p.retired_at IS NULL) <> (EXCLUDED.retired_at IS NULL))`;

// $9 lists the slugs whose record has no "retired" key: their retirement is left as it is.
const UPSERT_TOOLS = sql`
  INSERT INTO tools AS t (slug, name, category, tagline, description, pricing_entry, url, retired_at)
  SELECT v.slug, v.name, v.category, v.tagline, v.description, v.pricing_entry, v.url, CASE WHEN v.retired THEN now() END
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[])
    AS v(slug, name, category, tagline, description, pricing_entry, url, retired)
  ORDER BY v.slug
  ON CONFLICT (slug) DO UPDATE SET
    name = EXCLUDED.name, category = EXCLUDED.category, tagline = EXCLUDED.tagline,
    description = EXCLUDED.description, pricing_entry = EXCLUDED.pricing_entry, url = EXCLUDED.url,
    retired_at = CASE WHEN $9::text[] @> ARRAY[EXCLUDED.slug] THEN t.retired_at
                      WHEN EXCLUDED.retired_at IS NULL THEN NULL ELSE coalesce(t.retired_at, EXCLUDED.retired_at) END,
    updated_at = now()
  WHERE (t.name, t.category, t.tagline, t.description, t.pricing_entry, t.url)
    IS DISTINCT FROM
        (EXCLUDED.name, EXCLUDED.category, EXCLUDED.tagline, EXCLUDED.description, EXCLUDED.pricing_entry, EXCLUDED.url)
     OR (NOT $9::text[] @> ARRAY[EXCLUDED.slug] AND (t.retired_at IS NULL) <> (EXCLUDED.retired_at IS NULL))`;

// Reviews name their tool and reviewer by slug; both were upserted just before, in the same transaction.
const UPSERT_REVIEWS = sql`
  INSERT INTO reviews (tool_id, reviewer_id, verdict, quote)
  SELECT t.id, p.id, v.verdict, v.quote
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(tool_slug, reviewer_slug, verdict, quote)
  JOIN tools t ON t.slug = v.tool_slug
  JOIN reviewers p ON p.slug = v.reviewer_slug
  ORDER BY t.id, p.id
  ON CONFLICT (tool_id, reviewer_id) DO UPDATE SET verdict = EXCLUDED.verdict, quote = EXCLUDED.quote, updated_at = now()
  WHERE (reviews.verdict, reviews.quote) IS DISTINCT FROM (EXCLUDED.verdict, EXCLUDED.quote)`;

/** The sample catalog shipped in the repo, imported when no file is given. */
export const SAMPLE_CATALOG_PATH = projectPath('src/catalog/sample-catalog.json');

/** At most this many problems are listed for one file; the rest are counted. */
export const MAX_PROBLEMS = 100;

/** A catalog that cannot be imported. `message` is one line; `problems` lists every problem found (up to the cap). */
export class CatalogError extends Error {
  readonly problems: string[];

  constructor(problems: string[], source?: string) {
    const lines = problems.map(oneLine);
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''})` : '';
    super(`${source ? `${oneLine(source)}: ` : ''}${lines[0] ?? 'invalid catalog'}${more}`);
    this.name = 'CatalogError';
    this.problems = lines.length > MAX_PROBLEMS ? [...lines.slice(0, MAX_PROBLEMS), `… and ${lines.length - MAX_PROBLEMS} more`] : lines;
  }
}

export interface ImportCounts {
  tools: number;
  reviewers: number;
  reviews: number;
}

export interface ImportResult extends ImportCounts {
  /** What the file changes (or, for a dry run, would change). */
  diff: CatalogDiff;
  applied: boolean;
}

/** Validates a parsed catalog, throwing CatalogError that lists every bad record by its path. */
export function parseCatalog(input: unknown, known?: KnownSlugs): CatalogFile {
  const result = (known ? catalogFileSchemaWith(known) : catalogFileSchema).safeParse(input);
  if (!result.success) throw new CatalogError(result.error.issues.flatMap(describeIssue));
  return result.data;
}

/**
 * Upserts tools, reviewers and reviews by slug; all of the file or (on any error) none of it. Reviews may name
 * tools and reviewers already stored. `dryRun` validates and reports the changes without applying them; every
 * change is written to the catalog audit as made by `actor`. With `expectDigest` (diffDigest of the changes an
 * editor was shown), nothing is applied if the file would now change something else.
 */
export async function importCatalog(db: Db, input: unknown, opts: { dryRun?: boolean; actor?: string; expectDigest?: string } = {}): Promise<ImportResult> {
  const file = parseCatalog(input, await knownSlugs(db));
  const { reviewers, tools, reviews } = file;
  const counts = { tools: tools.length, reviewers: reviewers.length, reviews: reviews.length };
  if (opts.dryRun) return { ...counts, diff: diffCatalog(await exportCatalog(db), file), applied: false };
  const diff = await inTransaction(db, async (client) => {
    // Locks out a concurrent import or admin edit between the diff and the writes (see catalog/edit.ts).
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('verdicts-catalog'))`);
    const changes = diffCatalog(await exportCatalog(client), file);
    if (opts.expectDigest !== undefined && diffDigest(changes) !== opts.expectDigest) {
      throw new CatalogError(['catalog: the catalog changed since this file was checked, so it would now change something else: check the file again']);
    }
    const untouched = (list: readonly { slug: string; retired?: boolean }[]) => list.filter((r) => r.retired === undefined).map((r) => r.slug);
    if (reviewers.length > 0) {
      await client.query(UPSERT_REVIEWERS, [...columns(reviewers.map((r) => ({ ...r, retired: r.retired ?? null })), ['slug', 'name', 'role', 'retired']), untouched(reviewers)]);
    }
    if (tools.length > 0) {
      const rows = tools.map((t) => ({ ...t, url: t.url ?? null, retired: t.retired ?? null }));
      await client.query(UPSERT_TOOLS, [...columns(rows, ['slug', 'name', 'category', 'tagline', 'description', 'pricing', 'url', 'retired']), untouched(tools)]);
    }
    if (reviews.length > 0) {
      await client.query(UPSERT_REVIEWS, columns(reviews, ['tool', 'reviewer', 'verdict', 'quote']));
    }
    await auditImport(client, changes, opts.actor ?? 'import');
    return changes;
  });
  return { ...counts, diff, applied: true };
}

/** Reads a catalog JSON file (default: the sample catalog) and imports it; errors name the file. */
export async function importCatalogFile(db: Db, file?: string, opts: { dryRun?: boolean; actor?: string } = {}): Promise<ImportResult> {
  const label = file ?? 'sample-catalog.json';
  const input = await readCatalogJson(file ?? SAMPLE_CATALOG_PATH, label);
  try {
    return await importCatalog(db, input, opts);
  } catch (err) {
    if (err instanceof CatalogError) throw new CatalogError(err.problems, label);
    throw err;
  }
}

export async function readCatalogJson(file: string, label: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CatalogError([`cannot read (${describeReadError(err as NodeJS.ErrnoException)})`], label);
  }
  return parseCatalogJson(text, label);
}

/** Parses a catalog file's text; bad JSON is a CatalogError saying where. */
export function parseCatalogJson(text: string, label?: string): unknown {
  text = text.replace(/^\uFEFF/, ''); // editors on Windows like to start files with a byte-order mark
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CatalogError([`not valid JSON (${describeJsonError((err as Error).message, text)})`], label);
  }
}

/** Turns the file's records into one array per column, the shape unnest() takes. */
function columns<T, K extends keyof T>(rows: readonly T[], keys: readonly K[]): unknown[][] {
  return keys.map((key) => rows.map((row) => row[key]));
}

/** "tools[3].pricing: expected a non-empty string"; unknown keys get a line each. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${at === '' ? key : `${at}.${key}`}: unknown key`);
  }
  return [`${at === '' ? 'catalog' : at}: ${issue.message}`];
}

/** ['tools', 3, 'pricing'] → "tools[3].pricing". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describeReadError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
      return 'permission denied';
    default:
      return err.message;
  }
}

// V8's messages vary by Node version: some quote a snippet of the input (possibly spanning lines), some give
// "at position N", some no place at all. Keep V8's reason and locate the error ourselves.
function describeJsonError(message: string, text: string): string {
  const reason = message
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
    .replace(/(?:\s+in JSON)?\s+at position \d+.*$/s, '');
  const offset = firstJsonErrorOffset(text);
  if (offset < 0) return reason;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${reason} at line ${line}, column ${column}`;
}

const JSON_LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first character a strict JSON reader refuses (-1 if none): only called after JSON.parse failed. */
function firstJsonErrorOffset(s: string): number {
  let i = 0;
  const fail = (): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the offset is the answer, caught below
    throw i;
  };
  const space = () => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      const c = s[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') return void i++;
      if (c === '\\') {
        if (s[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 6;
        else if ('"\\/bfnrt'.includes(s[i + 1] ?? 'x')) i += 2;
        else fail();
      } else i++;
    }
  };
  const list = (close: string, item: () => void) => {
    i++;
    space();
    if (s[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (s[i] === close) return void i++;
      if (s[i] !== ',') fail();
      i++;
    }
  };
  const value = (): void => {
    space();
    if (s[i] === '{') {
      return list('}', () => {
        space();
        if (s[i] !== '"') fail();
        string();
        space();
        if (s[i] !== ':') fail();
        i++;
        value();
      });
    }
    if (s[i] === '[') return list(']', value);
    if (s[i] === '"') return string();
    JSON_LITERAL.lastIndex = i;
    const literal = JSON_LITERAL.exec(s);
    if (!literal) fail();
    i += literal![0].length;
  };
  try {
    value();
    space();
    return i < s.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1; // a RangeError from absurd nesting: no place to report
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ');
}
