// The Mailer seam: the sender hands it finished messages and an idempotency key, and gets back
// one of four outcomes. Implementations: Resend (network) and the local outbox (no API key).
import type { DeferredText } from './personalize.js';
import type { IssueTemplateSource } from './issue-template.js';

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  /** A string, or a body produced when the batch is serialised (`String(html)` gives the text). */
  html: string | DeferredText;
  text: string | DeferredText;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
  /** The issue stored at the provider (issue-templates.ts): sent instead of html/text, which stay for a
   * mailer without templates (the outbox stores the rendered email). */
  template?: { id: string; variables: Record<string, string> };
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
  /** Provider-side templates, where the provider keeps them (Resend); absent: every email goes inline. */
  readonly templates?: TemplateProvider;
}

/** One template request's answer; `status` null for a network failure or timeout. */
export type ProviderCall<T> = { ok: true; value: T } | { ok: false; status: number | null; reason: string };

export interface TemplateProvider {
  /** By id or alias; null when the provider has none. */
  findTemplate(idOrAlias: string): Promise<ProviderCall<{ id: string; published: boolean } | null>>;
  createTemplate(source: IssueTemplateSource): Promise<ProviderCall<{ id: string }>>;
  publishTemplate(id: string): Promise<ProviderCall<null>>;
  /** true: removed now; false: it was gone already. */
  removeTemplate(id: string): Promise<ProviderCall<boolean>>;
}
