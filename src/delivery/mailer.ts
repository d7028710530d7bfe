// The Mailer seam: the sender hands it finished messages and an idempotency key, and gets back
// one of four outcomes. Implementations: Resend (network) and the local outbox (no API key).
import type { DeferredText } from './personalize.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  /** A string, or a body produced when the batch is serialised (`String(html)` gives the text). */
  html: string | DeferredText;
  text: string | DeferredText;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
}

export type SendOutcome =
  | { kind: 'accepted'; ids: string[]; rateLimit?: RateLimitInfo }
  /** The provider asked us to wait: nothing was accepted. */
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  /** Worth retrying with backoff (5xx, network error, concurrent idempotent request). */
  | { kind: 'transient'; reason: string; status: number | null }
  /** Retrying cannot help (validation, auth, idempotency key reused with another body). */
  | { kind: 'permanent'; reason: string; status: number | null };

export interface RateLimitInfo {
  limit: number | null;
  remaining: number | null;
  resetMs: number | null;
}

export interface Mailer {
  readonly name: 'resend' | 'outbox';
  /** Sends up to 100 messages in one request; `ids[i]` belongs to `emails[i]`. */
  sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<SendOutcome>;
}
