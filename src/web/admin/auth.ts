// Who may use /admin: whoever presents ADMIN_TOKEN, as `Authorization: Bearer`, as the basic-auth password,
// or through the session cookie the login form sets (an HMAC of the token, so changing the token ends
// every session). And which unsafe requests are refused as cross-site.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'verdicts_admin';
export const SESSION_DAYS = 7;
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

function mac(token: string, text: string): string {
  return createHmac('sha256', token).update(`verdicts-admin-session.${text}`).digest('base64url');
}

/** `<expiry seconds>.<mac>`: nothing secret in it, useless without the token that signed it. */
export function sessionValue(token: string, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + SESSION_DAYS * 86400;
  return `${exp}.${mac(token, String(exp))}`;
}

export function validSession(token: string, value: string | undefined, now = Date.now()): boolean {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return false;
  return Number(m[1]) * 1000 > now && equal(m[2]!, mac(token, m[1]!));
}

/** Compares a presented token with ADMIN_TOKEN in constant time. */
export function tokenMatches(given: unknown, token: string): boolean {
  return typeof given === 'string' && equal(given.trim(), token);
}

/** The caller's identity, or null when no credential matches the token. */
export function identify(req: FastifyRequest, token: string, cookie: string | undefined): AdminIdentity | null {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return tokenMatches(bearer[1], token) ? { via: 'bearer', name: 'api' } : null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon).replace(/[^\w.@ -]/g, '').slice(0, 60);
    return equal(decoded.slice(colon + 1), token) ? { via: 'basic', name: user || 'editor' } : null;
  }
  return validSession(token, cookie) ? { via: 'cookie', name: 'editor' } : null;
}

/**
 * Why an unsafe request must be refused as cross-site, or null. Browsers send Sec-Fetch-Site and Origin
 * on every cross-origin POST; a request without either (curl, a test) is judged by its credentials alone.
 */
export function crossSiteReason(req: FastifyRequest, publicUrl: string): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== '') {
    const allowed = new Set<string>([new URL(publicUrl).origin, `${req.protocol}://${req.host}`]);
    if (!allowed.has(origin)) return `cross-site request refused (Origin: ${origin.slice(0, 100)})`;
  }
  return null;
}

/** A redirect target after login: only a path inside /admin, never another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/admin(?:[/?#]|$)/.test(next) && !next.startsWith('//') && !/[\r\n\\]/.test(next) ? next : '/admin';
}
