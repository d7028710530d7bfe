// Signed link tokens for confirm, unsubscribe, vote, preferences and keep ("still want this?") links: `purpose.subscriber.issue.tool.expiry.mac`.
// HMAC-SHA256 with TOKEN_SECRET; the expiry is part of the signed text. Deterministic for the same
// inputs, so a retried batch carries byte-identical links (the provider's idempotency compares bodies).
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'vote' | 'preferences' | 'keep';
const CODES: Record<TokenPurpose, string> = { confirm: 'c', unsubscribe: 'u', vote: 'v', preferences: 'p', keep: 'k' };
const PURPOSES: Record<string, TokenPurpose> = { c: 'confirm', u: 'unsubscribe', v: 'vote', p: 'preferences', k: 'keep' };

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: number;
  issueId: number; // 0 when not tied to an issue
  toolId: number; // 0 unless a vote
  expiresAt: number; // seconds since epoch
}

export const TOKEN_LIFETIME_DAYS = { confirm: 7, unsubscribe: 365, vote: 60, preferences: 365, keep: 180 } as const;

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-purpose'; claims?: TokenClaims };

// The secret as a key object, made once: createHmac with a plain string imports the key on every call,
// a quarter of the cost of signing a token (five per reader per issue).
let lastKey: { secret: string; key: KeyObject } | undefined;

function keyFor(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return lastKey.key;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', keyFor(secret)).update(body).digest('base64url');
}

export function signToken(secret: string, c: TokenClaims): string {
  const body = `${CODES[c.purpose]}.${c.subscriberId}.${c.issueId}.${c.toolId}.${c.expiresAt}`;
  return `${body}.${mac(secret, body)}`;
}

/** Verifies a token for one purpose; never throws on bad input. */
export function verifyToken(secret: string, token: unknown, purpose: TokenPurpose, nowMs = Date.now()): TokenCheck {
  if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'malformed' };
  const m = /^([cuvpk])\.(\d{1,15})\.(\d{1,15})\.(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, token.lastIndexOf('.'));
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(m[6]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  const claims: TokenClaims = {
    purpose: PURPOSES[m[1]!]!,
    subscriberId: Number(m[2]),
    issueId: Number(m[3]),
    toolId: Number(m[4]),
    expiresAt: Number(m[5]),
  };
  if (claims.purpose !== purpose) return { ok: false, reason: 'wrong-purpose', claims };
  if (claims.expiresAt * 1000 < nowMs) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

/** The expiry of links in an issue: counted from when its send started, so every retry signs the same text. */
export function expiryFrom(start: Date, purpose: TokenPurpose): number {
  return Math.floor(start.getTime() / 1000) + TOKEN_LIFETIME_DAYS[purpose] * 86400;
}
