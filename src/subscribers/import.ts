// `verdicts subscribers import FILE.csv`: a header row with an `email` column (optional `name`).
// Bad rows are listed and skipped; good rows go in by chunks, each wholly or not at all (csv-import.ts).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Db } from '../db/pool.js';
import type { StreamImportReport } from './csv-import.js';

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
}

/** Imports a CSV held in memory (the admin pages and tests); files go through importSubscribersStream. */
/** Confirmed sample readers for a fresh `npm start` database, so a send works at once. */
export async function addSampleReaders(db: Db, readers: ReadonlyArray<readonly string[]>): Promise<void> {
  await db.query(
    `INSERT INTO subscribers (email, name, status, source, consent_at)
       SELECT e, n, 'active', 'sample', now() FROM unnest($1::text[], $2::text[]) AS s(e, n)`,
    [readers.map((r) => r[0]), readers.map((r) => r[1])],
  );
}

export async function importSubscribersCsv(
  db: Db,
  csv: string,
  opts: { confirmed: boolean; source: string },
): Promise<StreamImportReport> {
  const { importSubscribersStream } = await import('./csv-import.js');
  const key = `${createHash('sha256').update(csv).digest('hex')}:${opts.confirmed ? 'confirmed' : 'pending'}`;
  return importSubscribersStream(db, { key, open: () => Readable.from([csv]) }, opts);
}
