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
});

export const reviewSchema = z.strictObject({
  tool: slug,
  reviewer: slug,
  verdict: z.enum(['ship', 'skip'], { error: 'expected "ship" or "skip"' }),
  quote: text(1200, 'long'),
});

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'expected a list' }).default([]);

export const catalogFileSchema = z
  .strictObject(
    {
      reviewers: list(reviewerSchema),
      tools: list(toolSchema),
      reviews: list(reviewSchema),
    },
    { error: 'expected an object with "reviewers", "tools" and "reviews"' },
  )
  .superRefine((file, ctx) => {
    const toolAt = firstIndexBySlug(file.tools, 'tools', ctx);
    const reviewerAt = firstIndexBySlug(file.reviewers, 'reviewers', ctx);
    const reviewAt = new Map<string, number>();
    file.reviews.forEach((review, i) => {
      if (!toolAt.has(review.tool)) {
        ctx.addIssue({ code: 'custom', path: ['reviews', i, 'tool'], message: `no tool "${review.tool}" in this file` });
      }
      if (!reviewerAt.has(review.reviewer)) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviews', i, 'reviewer'],
          message: `no reviewer "${review.reviewer}" in this file`,
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
  });

/** Maps slug → first index, reporting every later record that repeats a slug. */
function firstIndexBySlug(
  records: readonly { slug: string }[],
  listName: 'tools' | 'reviewers',
  ctx: z.RefinementCtx,
): Map<string, number> {
  const at = new Map<string, number>();
  records.forEach((record, i) => {
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

export type CatalogFile = z.output<typeof catalogFileSchema>;
