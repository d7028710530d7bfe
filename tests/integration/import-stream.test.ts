// The streaming subscriber import: chunked (COPY into a staging table, one upsert per chunk), the same
// report whatever the chunk size, and resumable: a crash inside a chunk leaves that chunk out entirely, and
// running the import of the same file again finishes the rest with the report an uninterrupted run gives.
// Also the real thing: `verdicts subscribers import` SIGKILLed mid-file, then run again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createHarness, waitFor, type Harness } from '../support/harness.js';
import { BIN } from '../support/processes.js';
import { importSubscribersStream } from '../../src/subscribers/csv-import.js';
import { emailHash } from '../../src/subscribers/import.js';

let h: Harness;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'verdicts-import-'));
beforeAll(async () => {
  h = await createHarness({ catalog: false });
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// 40 data rows: 5 invalid, 3 duplicates within the file (one across chunks of 7), 2 already stored, 1 erased.
function sampleCsv(tag: string): string {
  const rows = ['Email,Name'];
  for (let i = 0; i < 30; i++) rows.push(`${tag}${i}@Example.net,Reader ${i}`);
  rows.push('not-an-address,Bad', ',Empty', `${tag}1@example.net,Duplicate of line 3`, `"${tag}2@example.net",Again`, 'a@b,Short');
  rows.push(`${tag}-old1@example.net,Old`, `${tag}-old2@example.net,Old`, `${tag}-erased@example.net,Gone`, 'x y@example.net,Space', `${tag}29@example.net,Dup late`);
  rows.push('@nope,At', `${tag}-tail@example.net,Tail`);
  return rows.join('\n') + '\n';
}

async function prepare(tag: string): Promise<void> {
  await h.app.db.query(`INSERT INTO subscribers (email, status, source) VALUES ($1, 'active', 'test'), ($2, 'active', 'test')`, [`${tag}-old1@example.net`, `${tag}-old2@example.net`]);
  await h.app.db.query(`INSERT INTO forgotten_subscribers (email_hash) VALUES ($1)`, [emailHash(`${tag}-erased@example.net`)]);
}

const source = (csv: string, key: string) => ({ key, open: () => Readable.from([csv]) });
const count = async (like: string) => (await h.app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscribers WHERE email LIKE $1`, [like])).rows[0]!.n;

describe('streaming import', () => {
  it('gives the same counts and invalid-row report in chunks of 7 as in one chunk', async () => {
    const reports = [];
    for (const [tag, chunkRows] of [['one', 1000], ['many', 7]] as const) {
      await prepare(tag);
      const r = await importSubscribersStream(h.app.db, source(sampleCsv(tag), `k-${tag}`), { confirmed: false, source: 'import:test', chunkRows });
      reports.push({ ...r, invalid: r.invalid.map((i) => ({ ...i, value: i.value.replace(tag, 'T') })) });
      expect(await count(`${tag}%`)).toBe(2 + 31);
    }
    const [one, many] = reports;
    expect(one).toMatchObject({ imported: 31, existing: 2 + 3, confirmationsRequested: 31, resumedAfterRows: 0 });
    expect(one!.invalid).toEqual([
      { line: 32, value: 'not-an-address', reason: 'not a valid email address' },
      { line: 33, value: '', reason: 'empty email' },
      { line: 36, value: 'a@b', reason: 'not a valid email address' },
      { line: 40, value: 'x y@example.net', reason: 'not a valid email address' },
      { line: 42, value: '@nope', reason: 'not a valid email address' },
      { line: 0, value: '(erased address)', reason: 'this reader asked to be forgotten' },
    ]);
    expect(many).toEqual(one);
    // The first occurrence's name wins; pending imports are owed their confirmation.
    const { rows } = await h.app.db.query(`SELECT name, status, confirm_requested_at IS NOT NULL AS owed FROM subscribers WHERE email = 'many1@example.net'`);
    expect(rows[0]).toEqual({ name: 'Reader 1', status: 'pending', owed: true });
  });

  it('a crash inside a chunk leaves that chunk out; the same file again finishes the rest, same report', async () => {
    await prepare('crash');
    const csv = sampleCsv('crash');
    const crash = importSubscribersStream(h.app.db, source(csv, 'k-crash'), {
      confirmed: true,
      source: 'import:test',
      chunkRows: 7,
      beforeCommit: (chunk) => {
        if (chunk === 3) throw new Error('power cut');
      },
    });
    await expect(crash).rejects.toThrow('power cut');
    // Two whole chunks are in (14 rows: 14 new readers), nothing of the third.
    expect(await count('crash%')).toBe(2 + 14);
    const progress = await h.app.db.query(`SELECT rows_done, imported, finished_at FROM subscriber_imports WHERE file_key = 'k-crash'`);
    expect(progress.rows).toEqual([{ rows_done: 14, imported: 14, finished_at: null }]);

    const resumed = await importSubscribersStream(h.app.db, source(csv, 'k-crash'), { confirmed: true, source: 'import:test', chunkRows: 7 });
    expect(resumed).toMatchObject({ imported: 31, existing: 5, resumedAfterRows: 14 });
    expect(resumed.invalid).toHaveLength(6);
    expect(await count('crash%')).toBe(2 + 31);
    // Finished: the same file again is a new import whose rows are all already present.
    const again = await importSubscribersStream(h.app.db, source(csv, 'k-crash'), { confirmed: true, source: 'import:test', chunkRows: 7 });
    expect(again).toMatchObject({ imported: 0, existing: 36, resumedAfterRows: 0 });
  });

  it('`verdicts subscribers import` killed with SIGKILL mid-file resumes when run again', async () => {
    const rows = 120_000;
    const file = path.join(tmp, 'big.csv');
    writeFileSync(file, 'email,name\n' + Array.from({ length: rows }, (_, i) => `big${i}@example.net,Big ${i}`).join('\n') + '\nnot-valid,X\n');
    const env = { ...process.env, ...h.env, LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, [BIN, 'subscribers', 'import', file, '--confirmed', '--json'], { env, stdio: 'ignore' });
    const ended = new Promise((r) => child.once('exit', r));
    await waitFor(async () => (await h.app.db.query(`SELECT 1 FROM subscriber_imports WHERE rows_done > 0 AND finished_at IS NULL`)).rowCount === 1, 60_000, 'a first chunk committed');
    child.kill('SIGKILL');
    await ended;
    const at = (await h.app.db.query<{ rows_done: number; imported: number }>(`SELECT rows_done, imported FROM subscriber_imports WHERE finished_at IS NULL`)).rows[0]!;
    expect(at.rows_done).toBeLessThan(rows);
    // Nothing half-written: exactly the committed chunks' readers are stored.
    expect(await count('big%')).toBe(at.imported);
    const again = await promisify(execFile)(process.execPath, [BIN, 'subscribers', 'import', file, '--confirmed', '--json'], { env });
    const report = JSON.parse(again.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ imported: rows, existing: 0, invalid: 1 });
    expect(again.stdout).not.toContain('resumed'); // --json prints only the object
    expect(await count('big%')).toBe(rows);
  }, 120_000);
});
