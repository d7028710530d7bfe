// The catalog file: tools, the reviewer panel and their verdicts, as `verdicts catalog import` reads it.
// A file is a full description of what it upserts: every review names a tool and a reviewer defined in
// the same file, so a file can be checked on its own before anything touches the database.
import { z } from 'zod';

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Placeholder syntax: the sender's `%%…%%` and the `{{{…}}}` of provider-side templates. Catalog text
 * goes into every reader's email, where either would be filled with that reader's data (their live
 * unsubscribe token, say), so it is refused wherever catalog text is written (migration 025 holds it too). */
export const PLACEHOLDER_SYNTAX = /%%|\{\{\{|\}\}\}/;
// Bidirectional overrides and zero-width characters disguise what a subject line or a page shows.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

function noPlaceholders(v: string, ctx: z.RefinementCtx): void {
  if (PLACEHOLDER_SYNTAX.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'contains placeholder syntax ("%%", "{{{" or "}}}"), which the email reserves for each reader\'s own links' });
  }
}

// Messages are written to follow a path, e.g. "tools[3].pricing: expected a non-empty string".
// Single-line text is cleaned as reader names are (controls, bidi overrides and zero-width characters
// become spaces); long text keeps its line breaks and loses only the invisible characters.
function text(max: number, kind: 'line' | 'long' = 'line') {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'missing' : 'expected a non-empty string') })
    .transform((v) => (kind === 'line' ? v.replace(CONTROLS, ' ').replace(INVISIBLE, ' ').replace(/\s+/g, ' ') : v.replace(INVISIBLE, '')).trim())
    .pipe(z.string().min(1, { error: 'expected a non-empty string' }).max(max, { error: `longer than ${max} characters` }))
    .superRefine(noPlaceholders);
}

const slug = z
  .string({ error: (iss) => (iss.input === undefined ? 'missing' : 'expected a slug string') })
  .max(80, { error: 'longer than 80 characters' })
  .regex(SLUG_PATTERN, { error: 'expected a slug of lower-case letters, digits and single dashes, like "claw-code"' });

export const reviewerSchema = z.strictObject({
  slug,
  name: text(80),
  role: text(80),
  /** true: writes no new reviews (kept on the record); false: back on the panel; absent: left as it is. */
  retired: z.boolean({ error: 'expected true or false' }).optional(),
});

export const toolSchema = z.strictObject({
  slug,
  name: text(80),
  category: text(60),
  tagline: text(160),
  description: text(2000, 'long'),
  /** The pricing entry as shown on the card: "Free", "Paid", "Freemium", "Open source"… */
  pricing: text(40),
  url: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).max(500).superRefine(noPlaceholders).optional(),
  /** true: never planned again (kept in the archive); false: plannable again; absent: left as it is. */
  retired: z.boolean({ error: 'expected true or false' }).optional(),
});

export const reviewSchema = z.strictObject({
  tool: slug,
  reviewer: slug,
  verdict: z.enum(['ship', 'skip'], { error: 'expected "ship" or "skip"' }),
  quote: text(1200, 'long'),
});

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'expected a list' }).default([]);

/** Slugs already in the database that a file's reviews may name without defining them. */
export interface KnownSlugs {
  tools: ReadonlySet<string>;
  reviewers: ReadonlySet<string>;
}

const NOTHING_KNOWN: KnownSlugs = { tools: new Set(), reviewers: new Set() };

/** The catalog file checked on its own: every review names a tool and a reviewer defined in the same file. */
export const catalogFileSchema = catalogFileSchemaWith(NOTHING_KNOWN);

/** The catalog file checked against a database: reviews may also name tools and reviewers stored there. */
export function catalogFileSchemaWith(known: KnownSlugs) {
  const where = known === NOTHING_KNOWN ? 'in this file' : 'in this file or the catalog';
  return z
    .strictObject(
      {
        reviewers: list(reviewerSchema),
        tools: list(toolSchema),
        reviews: list(reviewSchema),
      },
      { error: 'expected an object with "reviewers", "tools" and "reviews"' },
    )
    .superRefine(
      (file, ctx) => {
        const toolAt = firstIndexBySlug(file.tools ?? [], 'tools', ctx);
        const reviewerAt = firstIndexBySlug(file.reviewers ?? [], 'reviewers', ctx);
        const reviewAt = new Map<string, number>();
        (file.reviews ?? []).forEach((review, i) => {
          if (typeof review?.tool !== 'string' || typeof review?.reviewer !== 'string') return;
          if (!toolAt.has(review.tool) && !known.tools.has(review.tool)) {
            ctx.addIssue({
              code: 'custom',
              path: ['reviews', i, 'tool'],
              message: `no tool "${review.tool}" ${where}`,
            });
          }
          if (!reviewerAt.has(review.reviewer) && !known.reviewers.has(review.reviewer)) {
            ctx.addIssue({
              code: 'custom',
              path: ['reviews', i, 'reviewer'],
              message: `no reviewer "${review.reviewer}" ${where}`,
            });
          }
          const key = `${review.tool}\u0000${review.reviewer}`;
          const earlier = reviewAt.get(key);
          if (earlier === undefined) reviewAt.set(key, i);
          else {
            ctx.addIssue({
              code: 'custom',
              path: ['reviews', i],
              message: `"${review.reviewer}" already reviewed "${review.tool}" in reviews[${earlier}]`,
            });
          }
        });
      },
      // Also when some records are bad, so that one run lists every problem (duplicates and unknown names too).
      // The file may then hold records of any shape: only string slugs take part.
      { when: (payload) => listsPresent(payload.value) },
    );
}

/** True when the value has the three lists (or lacks some): the cross-checks can then read it. */
function listsPresent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['tools', 'reviewers', 'reviews'].every((k) => v[k] === undefined || Array.isArray(v[k]));
}

/** Maps slug → first index, reporting every later record that repeats a slug. */
function firstIndexBySlug(
  records: readonly { slug: string }[],
  listName: 'tools' | 'reviewers',
  ctx: z.RefinementCtx,
): Map<string, number> {
  const at = new Map<string, number>();
  records.forEach((record, i) => {
    if (typeof record?.slug !== 'string') return;
    const earlier = at.get(record.slug);
    if (earlier === undefined) at.set(record.slug, i);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [listName, i, 'slug'],
        message: `"${record.slug}" is already used by ${listName}[${earlier}]`,
      });
    }
  });
  return at;
}

export type CatalogFile = z.output<ReturnType<typeof catalogFileSchemaWith>>;
