// The runway forecast against the real planner on a real Postgres, and the catalog's export/import round trip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { CatalogError, importCatalog, importCatalogFile } from '../../src/catalog/import.js';
import { exportCatalog } from '../../src/catalog/export.js';
import { catalogForecast, nextWeek, warnIfRunwayShort } from '../../src/catalog/runway.js';
import { planWeek } from '../../src/issues/plan.js';

const log = pino({ level: 'silent' });
const FROM = '2030-W01';
let t: TestDatabase;

const runway = async (fromWeek = FROM) => (await catalogForecast(t.db, { fromWeek, pairsPerIssue: 2, keepPlans: 60 })).runway;

/** A new tool in the import format, with `reviews` verdicts by reviewers already in the database. */
function newTool(slug: string, category: string, reviewers: string[]) {
  return {
    tools: [{ slug, name: `Tool ${slug}`, category, tagline: 'New this week.', description: 'A tool an editor added.', pricing: 'Free' }],
    reviews: reviewers.map((reviewer, i) => ({ tool: slug, reviewer, verdict: i % 2 ? 'skip' : 'ship', quote: `Quote ${i}.` })),
  };
}

beforeAll(async () => {
  t = await createTestDatabase('runway');
  await importCatalogFile(t.db);
});
afterAll(async () => t?.drop());

describe('catalog runway', () => {
  it('forecasts exactly the weeks and pairs the real planner then plans, one week used up at a time', async () => {
    const start = await catalogForecast(t.db, { fromWeek: FROM, pairsPerIssue: 2, keepPlans: 60 });
    expect(start.runway.weeks).toBe(15);
    expect(start.runway.pairs_left).toBe(28);
    expect(start.runway.categories['Developer Tools']).toEqual({ tools: 5, pairs_left: 10 });
    expect(start.tentative).toHaveLength(15);

    let week = FROM;
    let planned = 0;
    for (;;) {
      const r = await planWeek(t.db, log, week, { pairsPerIssue: 2 });
      if (!r.issue) break;
      const forecastPairs = start.tentative[planned]!.pairs.map((p) => [p.a.id, p.b.id]);
      expect(r.comparisons.map((c) => [c.tool_a_id, c.tool_b_id]), week).toEqual(forecastPairs);
      planned++;
      expect((await runway()).weeks, `after planning ${week}`).toBe(15 - planned);
      week = nextWeek(week);
    }
    expect(planned).toBe(15);
    expect(await runway()).toMatchObject({ weeks: 0, pairs_left: 0 });

    // The scheduler's check after its tick: a warning line in its log.
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    await warnIfRunwayShort(t.db, captured, { pairsPerIssue: 2, timeZone: 'UTC' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, runway_weeks: 0, msg: expect.stringContaining('catalog runway short: The catalog can fill no future issue') }),
    ]);
  });

  it('adding a tool adds to it once it has 4 reviews; until then it is listed with the reviews it misses', async () => {
    const reviewers = ['priya-raman', 'walter-okafor', 'dana-whitfield', 'tomas-lindqvist'];
    // Reviews naming reviewers already in the database, without redefining them.
    await importCatalog(t.db, newTool('new-one', 'Developer Tools', reviewers.slice(0, 3)));
    expect((await runway()).ineligible).toEqual([{ slug: 'new-one', missing_reviews: 1 }]);
    expect((await runway()).weeks).toBe(0);

    await importCatalog(t.db, newTool('new-one', 'Developer Tools', reviewers));
    const after = await runway();
    expect(after.ineligible).toEqual([]);
    expect(after.categories['Developer Tools']).toEqual({ tools: 6, pairs_left: 5 });
    expect(after.weeks).toBe(5); // 5 new pairs, all with new-one: one a week
  });

  it('a retired tool is never planned again and drops out of the runway', async () => {
    await t.db.query(`UPDATE tools SET retired_at = now() WHERE slug = 'new-one'`);
    expect(await runway()).toMatchObject({ weeks: 0, pairs_left: 0 });
    await t.db.query(`UPDATE tools SET retired_at = NULL WHERE slug = 'new-one'`);
  });
});

describe('catalog export and import', () => {
  it('export then import into an empty database gives the same catalog, retirements included', async () => {
    await t.db.query(`UPDATE reviewers SET retired_at = now() WHERE slug = 'helen-marsh'`);
    const exported = await exportCatalog(t.db);
    expect(exported.tools.find((x) => x.slug === 'new-one')).toBeDefined();
    const empty = await createTestDatabase('roundtrip');
    try {
      const r = await importCatalog(empty.db, JSON.parse(JSON.stringify(exported)));
      expect(r.applied).toBe(true);
      expect(await exportCatalog(empty.db)).toEqual(exported);
      expect(exported.reviewers.find((x) => x.slug === 'helen-marsh')?.retired).toBe(true);
    } finally {
      await empty.drop();
    }
  });

  it('a dry run reports what would change and applies nothing', async () => {
    const before = await exportCatalog(t.db);
    const file = structuredClone(before);
    file.tools[0]!.tagline = 'A changed tagline.';
    const r = await importCatalog(t.db, { ...file, tools: [...file.tools, newTool('dry', 'Creative Tools', []).tools[0]] }, { dryRun: true });
    expect(r.applied).toBe(false);
    expect(r.diff.tools.added).toEqual(['dry']);
    expect(r.diff.tools.changed).toEqual([{ key: file.tools[0]!.slug, fields: ['tagline'] }]);
    expect(await exportCatalog(t.db)).toEqual(before);
  });

  it('a bad file lists every problem with its path, duplicates and unknown names alongside bad fields', async () => {
    const before = await exportCatalog(t.db);
    const bad = {
      tools: [
        { slug: 'x', name: '', category: 'A', tagline: 't', description: 'd', pricing: 'Free', url: 'javascript:alert(1)' },
        { slug: 'x', name: 'X', category: 'A', tagline: 't', description: 'd', pricing: 'Free' },
      ],
      reviews: [
        { tool: 'x', reviewer: 'nobody', verdict: 'ship', quote: 'q' },
        { tool: 'cursor', reviewer: 'priya-raman', verdict: 'ship', quote: 'q'.repeat(1201) },
      ],
    };
    const err = await importCatalog(t.db, bad).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).problems).toEqual([
      'tools[0].name: expected a non-empty string',
      'tools[0].url: expected an absolute http(s) URL',
      'reviews[1].quote: longer than 1200 characters',
      'tools[1].slug: "x" is already used by tools[0]',
      'reviews[0].reviewer: no reviewer "nobody" in this file or the catalog',
    ]);
    expect(await exportCatalog(t.db)).toEqual(before);
  });
});
