// The Mailer over the real `resend` SDK. The SDK returns errors instead of throwing: each answer is
// sorted into accepted / rate-limited / transient / permanent here, and nowhere else.
import { Resend } from 'resend';
import type { Mailer, OutgoingEmail, ProviderCall, RateLimitInfo, SendOutcome, TemplateProvider } from './mailer.js';
import type { IssueTemplateSource } from './issue-template.js';

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Passed through the SDK to fetch. Node's fetch copies a request that may be redirected, and with it the
 * body's stream, chunk by chunk: one more copy of each ~5 MB request body. The API answers a POST without
 * redirects, so a redirect is refused (the SDK then reports a network error, which is retried) and the
 * body goes out as it is.
 */
export const FETCH_OPTIONS = { redirect: 'error', window: null } as const;

function num(v: string | undefined | null): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Reads `ratelimit-*` headers (IETF draft names, as Resend sends them). */
export function rateLimitInfo(headers: Record<string, string> | null): RateLimitInfo | undefined {
  if (!headers) return undefined;
  const limit = num(headers['ratelimit-limit']);
  const remaining = num(headers['ratelimit-remaining']);
  const reset = num(headers['ratelimit-reset']);
  if (limit === null && remaining === null && reset === null) return undefined;
  return { limit, remaining, resetMs: reset === null ? null : reset * 1000 };
}

/** Milliseconds to wait after a 429: `retry-after` seconds, else `ratelimit-reset`, else one second. */
export function retryAfterMs(headers: Record<string, string> | null): number {
  const ra = num(headers?.['retry-after']);
  if (ra !== null && ra >= 0) return Math.max(250, Math.ceil(ra * 1000));
  const reset = num(headers?.['ratelimit-reset']);
  if (reset !== null && reset >= 0) return Math.max(250, Math.ceil(reset * 1000));
  return 1000;
}

/** A message as the SDK's batch takes it: the template's id and the reader's variables, or the bodies. */
function batchMessage(e: OutgoingEmail) {
  const common = { from: e.from, to: [e.to], subject: e.subject, headers: e.headers, tags: e.tags };
  if (e.template) return { ...common, template: e.template };
  // A deferred body goes to the SDK as it is: the SDK copies `html`/`text` by reference into the
  // object it passes to JSON.stringify, which calls its toJSON (src/delivery/personalize.ts). The
  // send tests check the bodies the provider receives, so an SDK that stopped doing so would fail them.
  return { ...common, html: e.html as string, text: e.text as string };
}

type SdkAnswer<T> = { data: T | null; error: { statusCode: number | null; name: string; message: string } | null };

function call<T, U>(answer: SdkAnswer<T>, value: (data: T) => U): ProviderCall<U> {
  if (!answer.error && answer.data) return { ok: true, value: value(answer.data) };
  const status = answer.error?.statusCode ?? null;
  return { ok: false, status, reason: `${status ?? 'network'} ${answer.error?.name ?? 'unknown_error'}: ${answer.error?.message ?? 'no message'}` };
}

/** resend.templates.* behind the TemplateProvider seam, each answer sorted here. */
class ResendTemplates implements TemplateProvider {
  constructor(private readonly client: Resend) {}
  private opts() {
    return { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...FETCH_OPTIONS } as object;
  }
  async findTemplate(idOrAlias: string) {
    const r = await this.client.templates.get(encodeURIComponent(idOrAlias), this.opts());
    if (r.error?.statusCode === 404) return { ok: true as const, value: null };
    return call(r, (t) => ({ id: t.id, published: t.status === 'published' }));
  }
  async createTemplate(s: IssueTemplateSource) {
    const r = await this.client.templates.create({ name: s.name, alias: s.alias, html: s.html, text: s.text, variables: s.variables }, this.opts());
    return call(r, (t) => ({ id: t.id }));
  }
  async publishTemplate(id: string) {
    return call(await this.client.templates.publish(encodeURIComponent(id), this.opts()), () => null);
  }
  async removeTemplate(id: string) {
    const r = await this.client.templates.remove(encodeURIComponent(id), this.opts());
    if (r.error?.statusCode === 404) return { ok: true as const, value: false };
    return call(r, () => true);
  }
}

export class ResendMailer implements Mailer {
  readonly name = 'resend' as const;
  readonly templates: TemplateProvider;
  private readonly client: Resend;

  constructor(apiKey: string, baseUrl: string) {
    // The base URL is passed explicitly so tests and operators can point the SDK at another endpoint.
    this.client = new Resend(apiKey, { baseUrl });
    this.templates = new ResendTemplates(this.client);
  }

  async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<SendOutcome> {
    let result;
    try {
      result = await this.client.batch.send(
        emails.map(batchMessage),
        { idempotencyKey, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...FETCH_OPTIONS } as { idempotencyKey: string },
      );
    } catch (err) {
      // Only an aborted request throws (our timeout): the provider may or may not have accepted it.
      return { kind: 'transient', reason: `request timed out after ${REQUEST_TIMEOUT_MS} ms (${(err as Error).name})`, status: null };
    }
    const { data, error, headers } = result;
    if (!error && data) {
      const ids = data.data.map((d) => d.id);
      if (ids.length !== emails.length) {
        return { kind: 'transient', reason: `provider returned ${ids.length} ids for ${emails.length} emails`, status: 200 };
      }
      return { kind: 'accepted', ids, rateLimit: rateLimitInfo(headers) };
    }
    const status = error?.statusCode ?? null;
    const reason = `${status ?? 'network'} ${error?.name ?? 'unknown_error'}: ${error?.message ?? 'no message'}`;
    if (status === 429) return { kind: 'rate-limited', retryAfterMs: retryAfterMs(headers), reason };
    if (status === null || status >= 500) return { kind: 'transient', reason, status };
    if (status === 409 && error?.name === 'concurrent_idempotent_requests') return { kind: 'transient', reason, status };
    return { kind: 'permanent', reason, status };
  }
}
