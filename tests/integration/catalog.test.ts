// `verdicts catalog import` against a real Postgres: the sample loads, re-imports are upserts, and a bad
// file (or a failure midway) leaves the database exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { CatalogError, importCatalog, importCatalogFile, SAMPLE_CATALOG_PATH } from '../../src/catalog/import.js';
import { listToolsWithPanel, reviewsForTools } from '../../src/catalog/read.js';
import type { CatalogFile } from '../../src/catalog/schema.js';

let t: TestDatabase;
let dir: string;
let sample: CatalogFile;

/** A fresh deep copy of the sample catalog, safe to mutate. */
const copyOfSample = (): CatalogFile => structuredClone(sample);

async function snapshot() {
  const { rows } = await t.db.query(`
    SELECT (SELECT count(*) FROM tools)::int AS tools,
           (SELECT count(*) FROM reviewers)::int AS reviewers,
           (SELECT count(*) FROM reviews)::int AS reviews,
           (SELECT md5(string_agg(concat_ws('|', slug, name, category, tagline, description, pricing_entry, url, updated_at), ',' ORDER BY slug)) FROM tools) AS tools_hash,
           (SELECT md5(string_agg(concat_ws('|', slug, name, role, updated_at), ',' ORDER BY slug)) FROM reviewers) AS reviewers_hash,
           (SELECT md5(string_agg(concat_ws('|', tool_id, reviewer_id, verdict, quote, updated_at), ',' ORDER BY tool_id, reviewer_id)) FROM reviews) AS reviews_hash`);
  return rows[0];
}

async function rejection(p: Promise<unknown>): Promise<CatalogError> {
  const err = await p.then(
    () => {
      throw new Error('expected the import to be rejected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CatalogError);
  expect((err as Error).message).not.toMatch(/[\r\n]/);
  return err as CatalogError;
}

beforeAll(async () => {
  t = await createTestDatabase('catalog');
  dir = await mkdtemp(path.join(tmpdir(), 'verdicts-catalog-'));
  sample = JSON.parse(await readFile(SAMPLE_CATALOG_PATH, 'utf8'));
});

afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('catalog import', () => {
  it('imports the sample catalog shipped in the repo', async () => {
    const counts = await importCatalogFile(t.db);
    expect(counts).toMatchObject({ tools: sample.tools.length, reviewers: sample.reviewers.length, reviews: sample.reviews.length });

    const tools = await listToolsWithPanel(t.db);
    expect(tools.length).toBeGreaterThanOrEqual(12);
    const categories = new Map<string, number>();
    for (const tool of tools) categories.set(tool.category, (categories.get(tool.category) ?? 0) + 1);
    expect(categories.size).toBeGreaterThanOrEqual(3);
    for (const n of categories.values()) expect(n).toBeGreaterThanOrEqual(4);
    for (const tool of tools) expect(tool.panel.reviews, tool.slug).toBeGreaterThanOrEqual(4);

    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM reviewers');
    expect(rows[0].n).toBeGreaterThanOrEqual(6);

    const bySlug = new Map(tools.map((tool) => [tool.slug, tool]));
    expect(bySlug.get('claw-code')).toMatchObject({ name: 'Claw Code', category: 'Developer Tools', pricing: 'Paid', panel: { shipPct: 75 } });
    expect(bySlug.get('ml-intern')).toMatchObject({ name: 'ml-intern', category: 'Developer Tools', pricing: 'Free', panel: { shipPct: 75 } });
    expect(bySlug.get('smollm3')).toMatchObject({ name: 'SmolLM3', category: 'Developer Tools', pricing: 'Free', panel: { shipPct: 100 } });
    // The percentages are exact, not rounded into place.
    for (const slug of ['claw-code', 'ml-intern']) {
      const { ships, reviews } = bySlug.get(slug)!.panel;
      expect(ships * 4).toBe(reviews * 3);
    }
  });

  it('reads the reviews of chosen tools with who wrote them, ordered by reviewer slug', async () => {
    const tools = await listToolsWithPanel(t.db);
    const ids = tools.filter((tool) => tool.slug === 'claw-code' || tool.slug === 'smollm3').map((tool) => tool.id);
    const reviews = await reviewsForTools(t.db, ids);
    const expected = sample.reviews.filter((r) => r.tool === 'claw-code' || r.tool === 'smollm3');
    expect(reviews).toHaveLength(expected.length);
    const slugs = reviews.map((r) => r.reviewerSlug);
    expect(slugs).toEqual([...slugs].sort());
    expect(reviews[0]).toMatchObject({
      toolId: expect.any(Number),
      reviewerName: expect.any(String),
      reviewerRole: expect.any(String),
      verdict: expect.stringMatching(/^(ship|skip)$/),
      quote: expect.any(String),
    });
    expect(await reviewsForTools(t.db, [])).toEqual([]);
  });

  it('importing the same file again changes nothing', async () => {
    const before = await snapshot();
    await importCatalogFile(t.db);
    expect(await snapshot()).toEqual(before);
  });

  it('upserts by slug: a changed tagline and verdict are updated in place', async () => {
    const before = await snapshot();
    const changed = copyOfSample();
    changed.tools[0].tagline = 'A different line for the same tool';
    const review = changed.reviews.findIndex((r) => r.tool === changed.tools[0].slug);
    changed.reviews[review].quote = 'Changed my mind after a second look.';
    await importCatalog(t.db, changed);

    const after = await snapshot();
    expect([after.tools, after.reviewers, after.reviews]).toEqual([before.tools, before.reviewers, before.reviews]);
    const { rows } = await t.db.query('SELECT tagline FROM tools WHERE slug = $1', [changed.tools[0].slug]);
    expect(rows[0].tagline).toBe('A different line for the same tool');
    const q = await t.db.query(
      'SELECT quote FROM reviews r JOIN tools t ON t.id = r.tool_id JOIN reviewers p ON p.id = r.reviewer_id WHERE t.slug = $1 AND p.slug = $2',
      [changed.reviews[review].tool, changed.reviews[review].reviewer],
    );
    expect(q.rows[0].quote).toBe('Changed my mind after a second look.');

    await importCatalog(t.db, sample); // back to the sample for the tests below
  });

  it('rejects a file with a bad record, naming its path, and applies none of it', async () => {
    const before = await snapshot();
    const bad = copyOfSample() as any;
    bad.tools[0].tagline = 'This valid change must not be applied';
    bad.tools.push({ ...bad.tools[1], slug: 'brand-new-tool' }); // a valid new record: must not appear either
    bad.tools[3].pricing = 5;
    const file = path.join(dir, 'bad-record.json');
    await writeFile(file, JSON.stringify(bad, null, 2));

    const err = await rejection(importCatalogFile(t.db, file));
    expect(err.message).toContain('tools[3].pricing');
    expect(err.message).toContain('bad-record.json: tools[3].pricing: expected a non-empty string');
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a review naming a reviewer the file does not define', async () => {
    const before = await snapshot();
    const bad = copyOfSample();
    bad.reviews[7] = { ...bad.reviews[7], reviewer: 'nobody-here' };
    const err = await rejection(importCatalog(t.db, bad));
    expect(err.message).toBe('reviews[7].reviewer: no reviewer "nobody-here" in this file or the catalog');
    expect(await snapshot()).toEqual(before);
  });

  it('reports duplicates, unknown keys and bad slugs with their paths', async () => {
    const dupTool = copyOfSample();
    dupTool.tools[5] = { ...dupTool.tools[5], slug: dupTool.tools[2].slug };
    expect((await rejection(importCatalog(t.db, dupTool))).message).toContain(`tools[5].slug: "${dupTool.tools[2].slug}" is already used by tools[2]`);

    const dupReview = copyOfSample();
    dupReview.reviews.push({ ...dupReview.reviews[0], quote: 'Said twice.' });
    const at = dupReview.reviews.length - 1;
    expect((await rejection(importCatalog(t.db, dupReview))).message).toContain(`reviews[${at}]: `);

    const extra = copyOfSample() as any;
    extra.reviewers[1].twitter = '@someone';
    expect((await rejection(importCatalog(t.db, extra))).message).toBe('reviewers[1].twitter: unknown key');

    const slug = copyOfSample();
    slug.tools[0].slug = 'Not A Slug';
    expect((await rejection(importCatalog(t.db, slug))).message).toMatch(/^tools\[0\]\.slug: expected a slug/);

    expect((await rejection(importCatalog(t.db, []))).message).toMatch(/^catalog: expected an object/);
  });

  it('a failure inside the database midway applies nothing of the file', async () => {
    // Reviews are written last: make the database refuse one, after tools and reviewers were upserted.
    await t.db.query(`
      CREATE FUNCTION refuse_marked_quote() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.quote = 'REFUSE ME' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_marked_quote BEFORE INSERT OR UPDATE ON reviews
        FOR EACH ROW EXECUTE FUNCTION refuse_marked_quote();`);
    try {
      const before = await snapshot();
      const file = copyOfSample();
      file.tools[0].tagline = 'Must be rolled back';
      file.reviewers.push({ slug: 'new-reviewer', name: 'New Reviewer', role: 'Guest' });
      file.reviews[file.reviews.length - 1].quote = 'REFUSE ME';
      await expect(importCatalog(t.db, file)).rejects.toThrow('refused by test trigger');
      expect(await snapshot()).toEqual(before);
    } finally {
      await t.db.query('DROP TRIGGER refuse_marked_quote ON reviews; DROP FUNCTION refuse_marked_quote();');
    }
  });

  it('reports a file that is not valid JSON in one line, with where', async () => {
    const file = path.join(dir, 'catalog.json');
    await writeFile(file, '{\n  "reviewers": [],\n  "tools": [ oops ]\n}\n');
    const err = await rejection(importCatalogFile(t.db, file));
    expect(err.message).toMatch(/catalog\.json: not valid JSON \(.+ at line 3, column \d+\)$/);

    const missing = await rejection(importCatalogFile(t.db, path.join(dir, 'missing.json')));
    expect(missing.message).toMatch(/missing\.json: cannot read \(no such file\)$/);
  });
});
