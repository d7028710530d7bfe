// Issues rendered before the fixes keep their HTML in Postgres: migration 010 takes the stray "style" and
// the preheader's second <title> out of it, so the archive shows them as readers should have seen them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { documentProblems } from '../../src/issues/email-document.js';

const MIGRATION = readFileSync(path.resolve(import.meta.dirname, '../../migrations/010_repair-stored-email-html.sql'), 'utf8');
// What the old code stored (its head and first cell, shortened).
const OLD =
  '<!DOCTYPE html><html dir="ltr" lang="en"><head><meta charset="utf-8"/><title>Claw Code vs SmolLM3, and 1 more</title>' +
  '<title>Panel ship: Claw Code 75% vs SmolLM3 100% · Cursor 63% vs Aider 86%</title><style>.sl{padding:14px 0}</style>style</head>' +
  '<body class="wp"><table><tbody><tr><td><p>Weekly AI Tool Verdicts</p><p>style is a word readers may use</p></td></tr></tbody></table></body></html>';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

describe('migration 010: stored renders from before the fixes', () => {
  it('loses the stray text and the second title, and nothing else; a second run changes nothing', async () => {
    const fixed = OLD.replace('<title>Panel ship: Claw Code 75% vs SmolLM3 100% · Cursor 63% vs Aider 86%</title>', '').replace('</style>style</head>', '</style></head>');
    const good = '<html lang="en"><head><title>A vs B</title><style>a{}</style></head><body><p>x</p></body></html>';
    await tdb.db.query(`INSERT INTO issues (week, state, html) VALUES ('2026-W40', 'sent', $1), ('2026-W41', 'sent', $2), ('2026-W42', 'planned', NULL)`, [OLD, good]);
    expect(documentProblems(OLD).map((p) => p.check)).toEqual(['stray-text', 'title']);

    for (let run = 0; run < 2; run++) {
      await tdb.db.query(MIGRATION.replace('-- Up Migration', ''));
      const { rows } = await tdb.db.query(`SELECT week, html FROM issues ORDER BY week`);
      expect(rows).toEqual([
        { week: '2026-W40', html: fixed },
        { week: '2026-W41', html: good },
        { week: '2026-W42', html: null },
      ]);
      expect(documentProblems(rows[0].html)).toEqual([]);
    }
  });
});
