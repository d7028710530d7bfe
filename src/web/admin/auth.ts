// Who may use /admin: whoever presents ADMIN_TOKEN, as `Authorization: Bearer`, as the basic-auth password,
// or through the session cookie the login form sets (sessions.ts). And which unsafe requests are refused
// as cross-site.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'verdicts_admin';
export const REALM = 'Basic realm="Weekly AI Tool Verdicts admin", charset="UTF-8"';
/** For a browser asking for a page: a challenge it does not prompt for, so it shows the login form instead
 * of a bare user-name/password dialog (the token still works as the basic-auth password). */
export const PAGE_REALM = 'Bearer realm="Weekly AI Tool Verdicts admin"';

export interface AdminIdentity {
  via: 'bearer' | 'basic' | 'cookie';
  /** Recorded as who approved: the basic-auth user name, or "editor" / "api". */
  name: string;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Compares a presented token with ADMIN_TOKEN in constant time. */
export function tokenMatches(given: unknown, token: string): boolean {
  return typeof given === 'string' && equal(given.trim(), token);
}

/**
 * What the Authorization header says: no credential at all, a wrong one (counted by the login guard), or
 * the caller's identity.
 */
export function identifyHeader(req: FastifyRequest, token: string): 'none' | 'wrong' | AdminIdentity {
  const header = req.headers.authorization ?? '';
  if (header === '') return 'none';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return tokenMatches(bearer[1], token) ? { via: 'bearer', name: 'api' } : 'wrong';
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'wrong';
    const user = decoded.slice(0, colon).replace(/[^\w.@ -]/g, '').slice(0, 60);
    return equal(decoded.slice(colon + 1), token) ? { via: 'basic', name: user || 'editor' } : 'wrong';
  }
  return 'wrong';
}

/**
 * Why an unsafe request must be refused as cross-site, or null. Browsers send Sec-Fetch-Site and Origin
 * on every cross-origin POST; a request without either (curl, a test) is judged by its credentials alone.
 */
export function crossSiteReason(req: FastifyRequest, publicUrl: string): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  // PUBLIC_URL's origin only: the Host header is the caller's to choose, so it proves nothing.
  if (typeof origin === 'string' && origin !== '' && origin !== new URL(publicUrl).origin) {
    return `cross-site request refused (Origin: ${origin.slice(0, 100)})`;
  }
  return null;
}

/** A redirect target after login: only a path inside /admin, never another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(?:[/?#]|$)/.test(next) && !next.startsWith('//') && !/[\r\n\\]/.test(next) ? next : '/admin';
}
