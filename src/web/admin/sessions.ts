// Admin sessions after a form login: the cookie carries a random id, the database its hash, the name and
// the expiry. Logout deletes the row, so a copied cookie stops working with it; the row also records an
// HMAC of ADMIN_TOKEN, so changing the token ends every session. Shared by every web process.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';

export const SESSION_DAYS = 7;

export interface AdminSession {
  /** The hash of the cookie's id: what the CSRF tokens of this session are bound to. */
  idHash: string;
  name: string;
}

const sql = String.raw;
const Q = {
  create: sql`INSERT INTO admin_sessions (id_hash, token_check, name, expires_at) VALUES ($1, $2, $3, now() + make_interval(days => $4))`,
  find: sql`SELECT name FROM admin_sessions WHERE id_hash = $1 AND token_check = $2 AND expires_at > now()`,
  end: sql`DELETE FROM admin_sessions WHERE id_hash = $1`,
  prune: sql`DELETE FROM admin_sessions WHERE expires_at < now() OR token_check <> $1`,
};

const hashOf = (id: string) => createHash('sha256').update(id).digest('hex');
const tokenCheck = (adminToken: string) => createHmac('sha256', adminToken).update('verdicts-admin-session').digest('base64url');
const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;

/** Starts a session; returns the cookie value. Sessions of an old token are removed on the way. */
export async function startSession(db: Queryable, adminToken: string, name: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db.query(Q.prune, [tokenCheck(adminToken)]);
  await db.query(Q.create, [hashOf(id), tokenCheck(adminToken), name, SESSION_DAYS]);
  return id;
}

/** The live session a cookie names under the current token, or null. */
export async function findSession(db: Queryable, adminToken: string, cookie: string | undefined): Promise<AdminSession | null> {
  if (!cookie || !COOKIE_ID.test(cookie)) return null;
  const idHash = hashOf(cookie);
  const row = (await db.query<{ name: string }>(Q.find, [idHash, tokenCheck(adminToken)])).rows[0];
  return row ? { idHash, name: row.name } : null;
}

export async function endSession(db: Queryable, cookie: string | undefined): Promise<void> {
  if (cookie && COOKIE_ID.test(cookie)) await db.query(Q.end, [hashOf(cookie)]);
}
