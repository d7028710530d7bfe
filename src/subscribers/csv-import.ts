// `verdicts subscribers import FILE.csv`, in flat memory for any file size: the CSV is parsed as a stream
// and written in chunks. Each chunk is one transaction: COPY into a staging table, one upsert into
// subscribers, its invalid rows and the import's progress (migrations/055). A crash leaves every chunk wholly
// in or out; the same command on the same file resumes after the last committed chunk and ends with the
// report an uninterrupted run prints. Pending readers are marked as owed their confirmation in the same
// upsert, so no crash can lose one; the confirmation job mails them at the shared send-rate gate.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { inTransaction, type Db } from '../db/pool.js';
import { cleanName, normaliseEmail, SubscriberImportError, type ImportReport } from './import.js';

/** A CSV to import: `key` names its content (a re-run of the same content resumes); `open` reads it. */
export interface CsvSource {
  key: string;
  open(): Readable;
}

export interface ImportProgress {
  /** Data rows read so far (resumed rows included). */
  rows: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

export interface StreamImportOptions {
  confirmed: boolean;
  source: string;
  /** Rows per chunk (one transaction each). */
  chunkRows?: number;
  onProgress?(p: ImportProgress): void;
  /** Called inside each chunk's transaction before it commits: tests use it to crash mid-chunk. */
  beforeCommit?(chunk: number): Promise<void> | void;
}

export interface StreamImportReport extends ImportReport {
  /** Rows a previous, interrupted run of the same file had already committed. */
  resumedAfterRows: number;
  /** Pending readers newly owed a confirmation email. */
  confirmationsRequested: number;
}

export const IMPORT_CHUNK_ROWS = 20_000;
const sql = String.raw;

const RESUME = sql`SELECT id, rows_done, imported, existing FROM subscriber_imports WHERE file_key = $1 AND finished_at IS NULL`;
const START = sql`INSERT INTO subscriber_imports (file_key, source) VALUES ($1, $2) RETURNING id`;
const STAGE = sql`CREATE TEMP TABLE subscriber_import_stage (line bigint, email text, name text) ON COMMIT DROP`;
// First occurrence in the file wins (DISTINCT ON by line); an erased address is never re-added; an address
// already stored stays as it is. Pending readers are owed a confirmation from this moment.
const UPSERT = sql`
  INSERT INTO subscribers (email, name, status, source, consent_at, confirm_requested_at)
  SELECT s.email, s.name, $1, $2, CASE WHEN $1 = 'active' THEN now() END, CASE WHEN $1 = 'pending' THEN now() END
  FROM (SELECT DISTINCT ON (email) email, name FROM subscriber_import_stage ORDER BY email, line) s
  WHERE NOT EXISTS (SELECT 1 FROM forgotten_subscribers f WHERE f.email_hash = encode(sha256(convert_to(s.email, 'UTF8')), 'hex'))
  ON CONFLICT (email) DO NOTHING`;
const FORGOTTEN = sql`
  SELECT count(DISTINCT s.email)::int AS n FROM subscriber_import_stage s
  JOIN forgotten_subscribers f ON f.email_hash = encode(sha256(convert_to(s.email, 'UTF8')), 'hex')`;
const REJECT = sql`
  INSERT INTO subscriber_import_rejects (import_id, line, value, reason)
  SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[])`;
const ERASED = sql`
  INSERT INTO subscriber_import_rejects (import_id, line, value, reason)
  SELECT $1, 0, '(erased address)', 'this reader asked to be forgotten' FROM generate_series(1, $2)`;
const PROGRESS = sql`UPDATE subscriber_imports SET rows_done = rows_done + $2, imported = imported + $3, existing = existing + $4 WHERE id = $1`;
const FINISH = sql`UPDATE subscriber_imports SET finished_at = now() WHERE id = $1`;
// In file order, the erased addresses last (as the report always listed them).
const REJECTS = sql`SELECT line, value, reason FROM subscriber_import_rejects WHERE import_id = $1 ORDER BY line = 0, id`;

/** COPY's text format: backslash, tab and line breaks escaped; \N is NULL. */
function copyField(v: string | null): string {
  return v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

interface Chunk {
  rows: number;
  lines: number[];
  emails: string[];
  names: Array<string | null>;
  rejects: { lines: number[]; values: string[]; reasons: string[] };
}
const emptyChunk = (): Chunk => ({ rows: 0, lines: [], emails: [], names: [], rejects: { lines: [], values: [], reasons: [] } });

async function copyChunk(tx: pg.PoolClient, c: Chunk): Promise<void> {
  const lines = c.emails.map((e, i) => `${c.lines[i]}\t${copyField(e)}\t${copyField(c.names[i]!)}\n`);
  const stream = tx.query(copyFrom('COPY subscriber_import_stage (line, email, name) FROM STDIN'));
  await pipeline(
    (async function* () {
      for (let i = 0; i < lines.length; i += 1000) yield lines.slice(i, i + 1000).join('');
    })(),
    stream,
  );
}

/** The key of a file's content for resuming: read once, in flat memory. */
export async function csvKey(open: () => Readable, confirmed: boolean): Promise<string> {
  const hash = createHash('sha256');
  for await (const part of open()) hash.update(part as Buffer);
  return `${hash.digest('hex')}:${confirmed ? 'confirmed' : 'pending'}`;
}

export async function importSubscribersStream(db: Db, src: CsvSource, opts: StreamImportOptions): Promise<StreamImportReport> {
  const chunkRows = opts.chunkRows ?? IMPORT_CHUNK_ROWS;
  const status = opts.confirmed ? 'active' : 'pending';
  // Where an interrupted run of this file stopped; read once the header is known to be good.
  let importId: number | undefined;
  let skip = 0;
  let imported = 0;
  let existing = 0;
  let requested = 0;
  const resume = async () => {
    const r = (await db.query<{ id: number; rows_done: number; imported: number; existing: number }>(RESUME, [src.key])).rows[0];
    if (!r) return;
    [importId, skip, imported, existing] = [r.id, Number(r.rows_done), Number(r.imported), Number(r.existing)];
  };

  const input = src.open();
  let bytes = 0;
  input.on('data', (b: Buffer) => (bytes += b.length));
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }));
  input.on('error', (err) => parser.destroy(err));

  let chunkNo = 0;
  const flush = async (c: Chunk) => {
    chunkNo++;
    await inTransaction(db, async (tx) => {
      importId ??= (await tx.query<{ id: number }>(START, [src.key, opts.source])).rows[0]!.id;
      let added = 0;
      let forgotten = 0;
      if (c.emails.length) {
        await tx.query(STAGE);
        await copyChunk(tx, c);
        added = (await tx.query(UPSERT, [status, opts.source])).rowCount ?? 0;
        forgotten = (await tx.query<{ n: number }>(FORGOTTEN)).rows[0]!.n;
      }
      if (c.rejects.lines.length) await tx.query(REJECT, [importId, c.rejects.lines, c.rejects.values, c.rejects.reasons]);
      if (forgotten) await tx.query(ERASED, [importId, forgotten]);
      const present = c.emails.length - added - forgotten;
      await tx.query(PROGRESS, [importId, c.rows, added, present]);
      await opts.beforeCommit?.(chunkNo);
      imported += added;
      existing += present;
      if (!opts.confirmed) requested += added;
    });
  };

  let header: string[] | undefined;
  let emailCol = -1;
  let nameCol = -1;
  let row = 0; // data rows seen, resumed ones included
  let chunk = emptyChunk();
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record.map((h) => h.toLowerCase());
        emailCol = header.indexOf('email');
        if (emailCol < 0) throw new SubscriberImportError(`the header row has no "email" column (found: ${header.join(', ') || 'nothing'})`);
        nameCol = header.indexOf('name');
        await resume();
        continue;
      }
      row++;
      if (row <= skip) continue;
      const line = row + 1; // the report's numbering: the header is line 1
      const raw = record[emailCol] ?? '';
      const email = normaliseEmail(raw);
      chunk.rows++;
      if (!email) {
        chunk.rejects.lines.push(line);
        chunk.rejects.values.push(raw.slice(0, 80));
        chunk.rejects.reasons.push(raw ? 'not a valid email address' : 'empty email');
      } else {
        chunk.lines.push(line);
        chunk.emails.push(email);
        chunk.names.push(nameCol >= 0 ? cleanName(record[nameCol]) : null);
      }
      if (chunk.rows >= chunkRows) {
        await flush(chunk);
        chunk = emptyChunk();
        opts.onProgress?.({ rows: row, bytes });
      }
    }
  } catch (err) {
    if (err instanceof SubscriberImportError) throw err;
    if ((err as { code?: string }).code?.startsWith('CSV_')) {
      throw new SubscriberImportError(`not a readable CSV file: ${(err as Error).message.split('\n')[0]}${row ? ` (after data row ${row}; the rows before it are imported)` : ''}`);
    }
    throw err;
  }
  if (!header) throw new SubscriberImportError('the header row has no "email" column (found: nothing)');
  if (chunk.rows > 0 || importId === undefined) await flush(chunk);
  opts.onProgress?.({ rows: row, bytes });
  await db.query(FINISH, [importId]);
  const invalid = (await db.query<{ line: number; value: string; reason: string }>(REJECTS, [importId])).rows.map((r) => ({ line: Number(r.line), value: r.value, reason: r.reason }));
  return { imported, existing, invalid, resumedAfterRows: skip, confirmationsRequested: requested };
}
