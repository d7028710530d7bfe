// `verdicts catalog import | export | runway` as an operator runs them: real processes on a real Postgres.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ADMIN_URL, createTestDatabase, uniqueQueuePrefix, type TestDatabase } from '../support/db.js';
import { lastJson, runVerdicts } from '../support/processes.js';
import { createPool } from '../../src/db/pool.js';
import { importCatalogFile } from '../../src/catalog/import.js';
import { planWeek } from '../../src/issues/plan.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'verdicts-cli-catalog-'));
const made: TestDatabase[] = [];

function envFor(db: string) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  return { DATABASE_URL: url.toString(), QUEUE_PREFIX: uniqueQueuePrefix('clicat'), LOG_LEVEL: 'warn', DATA_DIR: path.join(tmp, 'data'), PUBLIC_URL: 'https://verdicts.example.org' };
}

/** A migrated database (in-process: a CLI start costs seconds on a loaded machine) and the CLI's environment for it. */
async function freshDatabase() {
  const tdb = await createTestDatabase('clicat');
  made.push(tdb);
  return { ...envFor(tdb.name), DATABASE_URL: tdb.url };
}

const verdicts = runVerdicts;

afterAll(async () => {
  for (const tdb of made) await tdb.drop();
});

describe('verdicts catalog', () => {
  it('runway, export and import round trip, --sample, --dry-run and every problem of a bad file', async () => {
    const env = await freshDatabase();
    expect((await verdicts(['catalog', 'import'], env)).code).toBe(0); // empty database: the sample
    const runway = lastJson((await verdicts(['catalog', 'runway', '--json'], env)).stdout);
    expect(runway).toEqual({
      weeks: 15,
      pairs_left: 28,
      categories: {
        'Creative Tools': { tools: 4, pairs_left: 6 },
        'Developer Tools': { tools: 5, pairs_left: 10 },
        'Local & Edge Models': { tools: 4, pairs_left: 6 },
        'Research Agents': { tools: 4, pairs_left: 6 },
      },
      ineligible: [],
    });

    const again = await verdicts(['catalog', 'import'], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('verdicts: the database already has a catalog (17 tools): give a FILE.json, or --sample to import the sample catalog again');
    expect((await verdicts(['catalog', 'import', '--sample', '--json'], env)).code).toBe(0);

    const file = path.join(tmp, 'catalog.json');
    expect((await verdicts(['catalog', 'export', file], env)).code).toBe(0);
    const other = await freshDatabase();
    expect((await verdicts(['catalog', 'import', file], other)).code).toBe(0);
    expect((await verdicts(['catalog', 'export'], other)).stdout).toBe(readFileSync(file, 'utf8'));

    const changed = JSON.parse(readFileSync(file, 'utf8'));
    changed.tools[0].tagline = 'Changed in the file.';
    writeFileSync(file, JSON.stringify(changed));
    const dry = await verdicts(['catalog', 'import', file, '--dry-run'], other);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`tools: 1 changed (${changed.tools[0].slug}: tagline), 16 unchanged`);
    expect((await verdicts(['catalog', 'export'], other)).stdout).not.toContain('Changed in the file.');

    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ tools: [{ ...changed.tools[0], name: '' }, { ...changed.tools[1], url: 'javascript:alert(1)' }], reviews: [{ tool: 'cursor', reviewer: 'nobody', verdict: 'ship', quote: 'q' }] }));
    const refused = await verdicts(['catalog', 'import', bad], other);
    expect(refused.code).toBe(1);
    expect(refused.stdout.split('\n').filter(Boolean)).toEqual([
      `nothing imported: 3 problems in ${bad}`,
      '  tools[0].name: expected a non-empty string',
      '  tools[1].url: expected an absolute http(s) URL',
      '  reviews[0].reviewer: no reviewer "nobody" in this file or the catalog',
    ]);
    expect(refused.stderr.trim()).toBe(`verdicts: ${bad}: tools[0].name: expected a non-empty string (and 2 more problems)`);
  }, 240_000);

  it('verdicts plan warns when the runway is short', async () => {
    const env = await freshDatabase();
    // Twelve weeks planned in-process (a CLI start costs seconds on a loaded machine), the thirteenth by the CLI.
    const db = createPool(env.DATABASE_URL, { max: 2 });
    try {
      await importCatalogFile(db);
      for (let w = 1; w <= 12; w++) await planWeek(db, pino({ level: 'silent' }), `2031-W${String(w).padStart(2, '0')}`, { pairsPerIssue: 2 });
    } finally {
      await db.end();
    }
    const out = await verdicts(['plan', '--week', '2031-W13'], env);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('warning: The catalog can fill 2 more weekly issues');
  }, 120_000);
});
