// `verdicts subscribers import FILE.csv`: a header row with an `email` column (optional `name`).
// Bad rows are listed and skipped; good rows go in, in one transaction, never half-applied.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { inTransaction, type Db } from '../db/pool.js';

export class SubscriberImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubscriberImportError';
  }
}

const emailSchema = z.email();

/** Lower-cases and trims an address; returns null when it is not a plausible single address. */
export function normaliseEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  if (email.length === 0 || email.length > 254 || /[\r\n\s<>,;"]/.test(email)) return null;
  // RFC 5321 limits: 64 octets before the @, 63 per domain label.
  const at = email.lastIndexOf('@');
  if (at > 64 || email.slice(at + 1).split('.').some((label) => label.length > 63)) return null;
  return emailSchema.safeParse(email).success ? email : null;
}

/** The only trace kept of an erased reader: a hash that stops a later import from re-adding them. */
export function emailHash(email: string): string {
  return createHash('sha256').update(email).digest('hex');
}

// C0/C1 controls (CR/LF included), bidi overrides and zero-width characters: none of them belongs in a
// name, and each can disguise what a header or a page shows. Lone surrogates are not text at all.
const NAME_JUNK = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
export const NAME_MAX = 100;

export function cleanName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.replace(NAME_JUNK, ' ').replace(/\s+/g, ' ').trim();
  // Cut by code point, so a long name never ends in half a surrogate pair.
  return name.length === 0 ? null : Array.from(name).slice(0, NAME_MAX).join('').trim();
}

export interface ImportReport {
  imported: number;
  existing: number;
  invalid: Array<{ line: number; value: string; reason: string }>;
  /** Ids of rows created as pending: they are owed a confirmation email. */
  pendingIds: number[];
}

const INSERT = `
  INSERT INTO subscribers (email, name, status, source, consent_at)
  SELECT e.email, e.name, $2, $3, CASE WHEN $2 = 'active' THEN now() END
  FROM unnest($1::text[], $4::text[]) AS e(email, name)
  WHERE NOT EXISTS (SELECT 1 FROM forgotten_subscribers f WHERE f.email_hash = encode(sha256(convert_to(e.email, 'UTF8')), 'hex'))
  ON CONFLICT (email) DO NOTHING
  RETURNING id`;
const FORGOTTEN = `SELECT count(*)::int AS n FROM forgotten_subscribers WHERE email_hash = ANY($1::text[])`;

export async function importSubscribersCsv(
  db: Db,
  csv: string,
  opts: { confirmed: boolean; source: string },
): Promise<ImportReport> {
  const { parse } = await import('csv-parse/sync');
  let records: string[][];
  try {
    records = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    throw new SubscriberImportError(`not a readable CSV file: ${(err as Error).message.split('\n')[0]}`);
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const emailCol = header.indexOf('email');
  if (emailCol < 0) throw new SubscriberImportError(`the header row has no "email" column (found: ${header.join(', ') || 'nothing'})`);
  const nameCol = header.indexOf('name');

  const invalid: ImportReport['invalid'] = [];
  const seen = new Set<string>();
  const emails: string[] = [];
  const names: Array<string | null> = [];
  let duplicatesInFile = 0;
  records.slice(1).forEach((row, i) => {
    const raw = row[emailCol] ?? '';
    const email = normaliseEmail(raw);
    if (!email) {
      invalid.push({ line: i + 2, value: raw.slice(0, 80), reason: raw ? 'not a valid email address' : 'empty email' });
      return;
    }
    if (seen.has(email)) {
      duplicatesInFile++;
      return;
    }
    seen.add(email);
    emails.push(email);
    names.push(nameCol >= 0 ? cleanName(row[nameCol]) : null);
  });

  const status = opts.confirmed ? 'active' : 'pending';
  const pendingIds: number[] = [];
  let imported = 0;
  let forgotten = 0;
  await inTransaction(db, async (tx) => {
    for (let i = 0; i < emails.length; i += 5000) {
      const chunk = emails.slice(i, i + 5000);
      const { rows } = await tx.query<{ id: number }>(INSERT, [chunk, status, opts.source, names.slice(i, i + 5000)]);
      imported += rows.length;
      if (!opts.confirmed) pendingIds.push(...rows.map((r) => r.id));
      forgotten += (await tx.query<{ n: number }>(FORGOTTEN, [chunk.map(emailHash)])).rows[0]!.n;
    }
  });
  for (let f = 0; f < forgotten; f++) invalid.push({ line: 0, value: '(erased address)', reason: 'this reader asked to be forgotten' });
  return { imported, existing: emails.length - imported - forgotten + duplicatesInFile, invalid, pendingIds };
}
