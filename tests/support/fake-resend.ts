// The far side of Resend's HTTP API, faked: a local server that answers POST /emails and POST /emails/batch (and
// /templates, in fake-resend-templates.ts) the way shared/reference/resend-openapi.yaml describes, with Resend's
// idempotency, rate-limit and error behaviour, plus
// switches to make it misbehave (failures, 429s, stalls, dropped connections) so tests can prove "sent once".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ExactTally, FingerprintTally, type RecipientTally } from './recipient-tally.js';
import { SlidingWindow, rateWindow, type RateVerdict, type RateWindow } from './sliding-window.mjs';
import { FakeTemplates, type FakeTemplate } from './fake-resend-templates.js';
import { WebhookPoster, type WebhookConfig, type WebhookStats } from './fake-resend-webhooks.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface FakeResendOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Requests per second per API key (sliding 1 s window); null or absent: no limit. */
  rateLimit?: { requestsPerSecond: number } | null;
  /** When set, only this key is accepted (403 otherwise); by default any non-empty bearer key is. */
  apiKey?: string;
  /**
   * true (default): keep every delivery (with html, text, headers, tags) and a log of every request.
   * false (benchmarks): keep only counters and a fingerprint per recipient (tests/support/recipient-tally.ts):
   * the stats still count distinct and duplicate recipients, but no address is kept, so `countByRecipient`,
   * `duplicates` and the 'recipients' control op refuse; `deliveries` and `requests` stay empty.
   */
  keepBodies?: boolean;
  /** How long an idempotency key is remembered; Resend keeps them 24 h. */
  idempotencyTtlMs?: number;
  /**
   * A gateway thread in front of this fake counts the rate limit on arrival (fake-resend-gateway.ts): take
   * its verdict from the `x-fake-gateway` header instead of counting here, and tell it of every change
   * of the rate limit through `onRateChange`. Only for a fake reached through its gateway.
   */
  gateway?: { onRateChange(rate: RateWindow | null): Promise<void> };
}

export type EmailPath = '/emails' | '/emails/batch';

/** One email the fake accepted (i.e. Resend would have sent). */
export interface Delivery {
  id: string;
  path: EmailPath;
  /** Addresses as sent (a single `to` string becomes a one-element array). */
  to: string[];
  from: string;
  subject: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
  tags?: Array<{ name: string; value?: string }>;
  /** The template the message named instead of html/text; html and text are then the rendered template. */
  templateId?: string;
  idempotencyKey: string | null;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** Index of the request in `requests` (a running counter of requests since start or reset). */
  requestIndex: number;
}

export type RequestOutcome =
  | 'pending' // still being held (stall / slow)
  | 'accepted' // new deliveries recorded, answer sent
  | 'accepted_dropped' // new deliveries recorded, then the socket was destroyed
  | 'replayed' // idempotent replay of an earlier answer, nothing recorded
  | 'rejected' // 4xx: auth, validation, idempotency conflict, unknown path
  | 'rate_limited' // 429 (limit or injected)
  | 'failed' // injected 5xx (or other injected status)
  | 'dropped' // socket destroyed before anything was recorded
  | 'answered'; // a template request answered (no email: not counted as an accepted request)

export interface RequestRecord {
  index: number;
  method: string;
  path: string;
  /** HTTP status sent; 0 while pending or when the socket was destroyed. */
  status: number;
  outcome: RequestOutcome;
  /** Resend error name for non-2xx answers. */
  errorName?: string;
  idempotencyKey: string | null;
  /** Date.now() when the request arrived. */
  at: number;
  /** Number of emails in the request body (1 for /emails, the array length for /emails/batch, 0 if unparsable). */
  count: number;
}

export interface FailureSpec {
  status: number;
  name?: string;
  message?: string;
}

export type ChaosKind = '500' | '429' | 'slow' | 'drop';

export interface ChaosOptions {
  /** Chance (0..1) that a valid request misbehaves. */
  probability: number;
  kinds: ChaosKind[];
  /** PRNG seed; the same seed and request order give the same choices. Default 1. */
  seed?: number;
  /** Delay range for 'slow' answers; default 1000..3000 ms. */
  slowMs?: { min: number; max: number };
}

export interface FakeResendStats {
  requests: number;
  accepted: number;
  distinctRecipients: number;
  /** Recipients who were accepted more than once: each one is a duplicate send. */
  duplicateRecipients: number;
  replays: number;
  rateLimited: number;
  failed: number;
  dropped: number;
  /** Requests whose deliveries were recorded although the client saw a dropped connection. */
  acceptedDropped: number;
  byStatus: Record<string, number>;
  /** Requests that were accepted, and when the first and last of them arrived (ms since epoch). */
  acceptedRequests: number;
  firstAcceptedAt: number | null;
  lastAcceptedAt: number | null;
  /** Bytes of request bodies received on /emails and /emails/batch (what the sender put on the wire). */
  emailBodyBytes: number;
}

/** Commands accepted by `control()` and by `POST /__control` (JSON body). */
export type ControlCommand =
  | { op: 'stats' }
  | { op: 'recipients' }
  | { op: 'reset' }
  | { op: 'calm' }
  | { op: 'setRateLimit'; requestsPerSecond: number | null }
  | { op: 'failNext'; n: number; status?: number; name?: string; message?: string }
  | ({ op: 'failRandomly' } & ChaosOptions)
  | { op: 'stall'; ms: number }
  | { op: 'stallNext'; n: number; ms: number }
  | { op: 'acceptThenDropNext'; n: number }
  /** POST /templates answers this status from now on (null: accepts again). */
  | { op: 'refuseTemplates'; status: number | null }
  | { op: 'templates' }
  /** Post signed events for every accepted email to our webhook (fake-resend-webhooks.ts); null: stop. */
  | { op: 'webhooks'; config: WebhookConfig | null };

export interface ControlResult {
  ok: true;
  stats: FakeResendStats;
  /** Only for op 'recipients': accepted deliveries per bare, lower-cased `to` address. */
  recipients?: Record<string, number>;
  /** Only for op 'templates': the stored templates. */
  templates?: FakeTemplate[];
  /** What the webhook poster did since it was configured. */
  webhooks?: WebhookStats;
}

export interface FakeResend {
  /** Base URL without trailing slash, for `new Resend(key, { baseUrl })` or RESEND_BASE_URL. */
  readonly url: string;
  readonly port: number;
  /** Accepted emails in acceptance order (empty when keepBodies is false). */
  readonly deliveries: readonly Delivery[];
  /** Every request in arrival order (empty when keepBodies is false). */
  readonly requests: readonly RequestRecord[];
  /** Templates stored at the fake (fake-resend-templates.ts). */
  readonly templates: FakeTemplates;
  /** Idempotent replays served. */
  readonly replays: number;
  /** 429 answers sent (rate limit, chaos or failNext). */
  readonly rateLimited: number;
  /** Number of accepted emails. */
  accepted(): number;
  /** Number of different `to` addresses accepted (bare address, lower-cased). */
  distinctRecipients(): number;
  /** Accepted emails per `to` address (bare address, lower-cased). */
  countByRecipient(): Map<string, number>;
  /** Only the recipients accepted more than once. */
  duplicates(): Map<string, number>;
  stats(): FakeResendStats;
  setRateLimit(requestsPerSecond: number | null): void;
  /** The next n valid requests fail with `failure` (default 500) before anything is recorded or remembered. */
  failNext(n: number, failure?: FailureSpec): void;
  /** Chaos mode; null switches it off. */
  failRandomly(options: ChaosOptions | null): void;
  /** Hold every valid request ms before it is processed (0: off). */
  stall(ms: number): void;
  /** Hold the next n valid requests ms before they are processed. */
  stallNext(n: number, ms: number): void;
  /** The next n accepted requests are recorded and remembered for idempotency, then their socket is destroyed. */
  acceptThenDropNext(n: number): void;
  /** Switch off every injected fault (failNext, chaos, stalls, drops); the rate limit stays. */
  calm(): void;
  /** Forget deliveries, requests, counters, idempotency keys and faults; the rate limit returns to the start option.
   * Templates stay (account state, as a database remembers their ids); a refusal of templates ends. */
  reset(): void;
  /** The same commands as `POST /__control`. */
  control(command: ControlCommand): ControlResult;
  /** Signed events posted to our webhook for every accepted email, when configured. */
  readonly webhooks: WebhookPoster;
  /** Stops listening, drops open connections and abandons held requests (they record nothing). */
  close(): Promise<void>;
}

/** Sends a command to a fake running in another process (see fake-resend-main.ts). */
export async function controlFakeResend(url: string, command: ControlCommand): Promise<ControlResult> {
  const response = await fetch(`${url}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`fake resend control ${command.op} failed: ${JSON.stringify(body)}`);
  return body as ControlResult;
}

// ---------------------------------------------------------------------------------------------------------------
// Request validation, mirroring SendEmailRequest (and its Tag, Attachment, EmailTemplateInput) from the OpenAPI file.

const MAX_BATCH = 100;
const MAX_BODY_BYTES = 50 * 1024 * 1024;
const BARE_ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const NAMED_ADDRESS = /^[^<>]*<\s*([^\s@<>",;]+@[^\s@<>",;]+)\s*>$/;
const TAG_TOKEN = /^[A-Za-z0-9_-]*$/;

const address = z.string().refine((s) => BARE_ADDRESS.test(s.trim()) || NAMED_ADDRESS.test(s.trim()), {
  message: 'the address must look like `email@example.com` or `Name <email@example.com>`',
});
const addressList = (maxItems: number | null, minItems: number) =>
  z.union([address, maxItems === null ? z.array(address).min(minItems) : z.array(address).min(minItems).max(maxItems)], {
    error:
      maxItems === null
        ? 'expected an address or an array of addresses'
        : `expected an address or an array of ${minItems} to ${maxItems} addresses`,
  });
const tagToken = (min: number) =>
  z
    .string()
    .min(min)
    .max(256)
    .regex(TAG_TOKEN, { message: 'only ASCII letters, numbers, underscores and dashes are allowed' });

const emailSchema = z
  .object({
    from: address,
    to: addressList(50, 1),
    subject: z.string(),
    bcc: addressList(null, 0).optional(),
    cc: addressList(null, 0).optional(),
    reply_to: addressList(null, 0).optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    template: z
      .object({
        id: z.string(),
        variables: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      })
      .optional(),
    headers: z.record(z.string(), z.string()).optional(),
    scheduled_at: z.string().optional(),
    attachments: z
      .array(
        z.object({
          content: z.string().optional(),
          filename: z.union([z.string(), z.literal(false)]).optional(),
          path: z.string().optional(),
          content_type: z.string().optional(),
          content_id: z.string().optional(),
        }),
      )
      .optional(),
    tags: z.array(z.object({ name: tagToken(1), value: tagToken(0).optional() })).optional(),
    // The SDK sends `topicId: null` as `topic_id: null`.
    topic_id: z.string().nullable().optional(),
  })
  .superRefine((email, ctx) => {
    if (email.template && (email.html !== undefined || email.text !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [email.html !== undefined ? 'html' : 'text'], message: 'must not be set together with `template`' });
    }
  });

type ParsedEmail = z.infer<typeof emailSchema>;

interface EmailProblem {
  field: string;
  message: string;
}

function fieldName(prefix: string, path: readonly PropertyKey[]): string {
  let field = prefix;
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field === '' ? String(part) : `.${String(part)}`;
  }
  return field;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Validates one email; prefix is '' for /emails and '[i]' for item i of a batch. */
function checkEmail(input: unknown, prefix: string, inBatch: boolean): { email: ParsedEmail } | { problem: EmailProblem } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const field = prefix === '' ? 'body' : prefix;
    return { problem: { field, message: `Invalid \`${field}\` field: expected an email object.` } };
  }
  const result = emailSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = fieldName(prefix, issue.path);
    const missing = valueAt(input, issue.path) === undefined;
    return {
      problem: { field, message: missing ? `Missing \`${field}\` field.` : `Invalid \`${field}\` field: ${issue.message}.` },
    };
  }
  if (inBatch) {
    for (const unsupported of ['attachments', 'scheduled_at'] as const) {
      if (result.data[unsupported] !== undefined) {
        const field = fieldName(prefix, [unsupported]);
        return { problem: { field, message: `Invalid \`${field}\` field: not supported in batch emails.` } };
      }
    }
  }
  return { email: result.data };
}

/** Bare, lower-cased address: the key of the per-recipient counts. */
function recipientKey(raw: string): string {
  const named = NAMED_ADDRESS.exec(raw.trim());
  return (named ? named[1]! : raw.trim()).toLowerCase();
}

/** JSON with object keys sorted, so two bodies that differ only in key order hash the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

// A sorted copy sharing the strings, then native JSON.stringify: much faster than building the text by hand.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) sorted[key] = sortKeys(record[key]);
    return sorted;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Rate limiting and randomness

/** The gateway thread's verdict on a request (fake-resend-gateway-worker.mjs), or null if it gave none. */
function gatewayVerdict(header: string | string[] | undefined): (RateVerdict & { at: number }) | null {
  if (typeof header !== 'string') return null;
  try {
    const v = JSON.parse(header) as Partial<RateVerdict & { at: number }>;
    if (typeof v.at !== 'number' || typeof v.allowed !== 'boolean' || typeof v.remaining !== 'number' || typeof v.resetSeconds !== 'number') return null;
    return { at: v.at, allowed: v.allowed, remaining: v.remaining, resetSeconds: v.resetSeconds };
  } catch {
    return null;
  }
}

/** mulberry32: small, fast, seedable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Control commands arriving over HTTP

const controlSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('stats') }),
  z.object({ op: z.literal('recipients') }),
  z.object({ op: z.literal('reset') }),
  z.object({ op: z.literal('calm') }),
  z.object({ op: z.literal('setRateLimit'), requestsPerSecond: z.number().positive().nullable() }),
  z.object({
    op: z.literal('failNext'),
    n: z.number().int().nonnegative(),
    status: z.number().int().min(400).max(599).optional(),
    name: z.string().optional(),
    message: z.string().optional(),
  }),
  z.object({
    op: z.literal('failRandomly'),
    probability: z.number().min(0).max(1),
    kinds: z.array(z.enum(['500', '429', 'slow', 'drop'])),
    seed: z.number().int().optional(),
    slowMs: z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() }).optional(),
  }),
  z.object({ op: z.literal('stall'), ms: z.number().nonnegative() }),
  z.object({
    op: z.literal('webhooks'),
    config: z
      .object({
        url: z.string().url(),
        secret: z.string().min(1),
        types: z.array(z.string().min(1)).min(1),
        timing: z.enum(['before-answer', 'after-answer']),
        duplicate: z.boolean().optional(),
        reverse: z.boolean().optional(),
        concurrency: z.number().int().positive().optional(),
      })
      .nullable(),
  }),
  z.object({ op: z.literal('stallNext'), n: z.number().int().nonnegative(), ms: z.number().nonnegative() }),
  z.object({ op: z.literal('acceptThenDropNext'), n: z.number().int().nonnegative() }),
  z.object({ op: z.literal('refuseTemplates'), status: z.number().int().min(400).max(499).nullable() }),
  z.object({ op: z.literal('templates') }),
]);

// ---------------------------------------------------------------------------------------------------------------
// The server

interface ErrorAnswer {
  status: number;
  name: string;
  message: string;
  headers?: Record<string, string>;
}

type IdempotencyEntry =
  | { state: 'in_flight'; hash: string }
  | { state: 'done'; hash: string; status: number; body: string; expiresAt: number };

interface Faults {
  failures: FailureSpec[];
  chaos: (ChaosOptions & { random: () => number; drops: number }) | null;
  stallMs: number;
  stallQueue: number[];
  acceptThenDrop: number;
}

const DEFAULT_ERROR_NAMES: Record<number, string> = {
  400: 'validation_error',
  401: 'missing_api_key',
  403: 'invalid_api_key',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'invalid_idempotent_request',
  422: 'validation_error',
  429: 'rate_limit_exceeded',
  500: 'internal_server_error',
};

function noFaults(): Faults {
  return { failures: [], chaos: null, stallMs: 0, stallQueue: [], acceptThenDrop: 0 };
}

function emptyStats(): FakeResendStats {
  return {
    requests: 0,
    accepted: 0,
    distinctRecipients: 0,
    duplicateRecipients: 0,
    replays: 0,
    rateLimited: 0,
    failed: 0,
    dropped: 0,
    acceptedDropped: 0,
    byStatus: {},
    acceptedRequests: 0,
    firstAcceptedAt: null,
    lastAcceptedAt: null,
    emailBodyBytes: 0,
  };
}

/** Starts the fake on 127.0.0.1; resolves once it listens. */
export async function startFakeResend(options: FakeResendOptions = {}): Promise<FakeResend> {
  const keepBodies = options.keepBodies ?? true;
  const idempotencyTtlMs = options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000;
  const initialRate = options.rateLimit ? rateWindow(options.rateLimit.requestsPerSecond) : null;

  let rate = initialRate;
  let windows = new Map<string, SlidingWindow>();
  let idempotency = new Map<string, IdempotencyEntry>();
  let faults = noFaults();
  let stats = emptyStats();
  const newTally = (): RecipientTally => (keepBodies ? new ExactTally() : new FingerprintTally());
  let recipients = newTally();
  const deliveries: Delivery[] = [];
  const requests: RequestRecord[] = [];
  let closed = false;
  const holds = new Set<{ timer: NodeJS.Timeout; resolve: (completed: boolean) => void }>();
  const templates = new FakeTemplates();
  const webhooks = new WebhookPoster();
  // The emails accept() just took, handed to the webhook poster by the request that made them.
  const acceptedNow: Array<{ id: string; to: string[] }> = [];

  /** Waits ms; resolves false if the fake was closed meanwhile. */
  function hold(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!closed);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          holds.delete(entry);
          resolve(!closed);
        }, ms),
        resolve,
      };
      holds.add(entry);
    });
  }

  function finish(record: RequestRecord, status: number, outcome: RequestOutcome, errorName?: string): void {
    record.status = status;
    record.outcome = outcome;
    if (errorName !== undefined) record.errorName = errorName;
    const key = status === 0 ? 'dropped' : String(status);
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
    if (status === 429) stats.rateLimited++;
    if (outcome === 'failed') stats.failed++;
    if (outcome === 'dropped') stats.dropped++;
    if (outcome === 'accepted_dropped') stats.acceptedDropped++;
    if (outcome === 'replayed') stats.replays++;
    if (outcome === 'accepted' || outcome === 'accepted_dropped') {
      stats.acceptedRequests++;
      stats.firstAcceptedAt ??= record.at;
      stats.lastAcceptedAt = record.at;
    }
  }

  function writeJson(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function answerError(res: ServerResponse, record: RequestRecord, answer: ErrorAnswer, extraHeaders: Record<string, string>): void {
    const body = JSON.stringify({ statusCode: answer.status, name: answer.name, message: answer.message });
    writeJson(res, answer.status, body, { ...extraHeaders, ...answer.headers });
    const outcome: RequestOutcome = answer.status === 429 ? 'rate_limited' : answer.status >= 500 ? 'failed' : 'rejected';
    finish(record, answer.status, outcome, answer.name);
  }

  function drop(res: ServerResponse, record: RequestRecord, outcome: 'dropped' | 'accepted_dropped'): void {
    res.socket?.destroy();
    res.destroy();
    finish(record, 0, outcome);
  }

  function rateLimitAnswer(limit: number, resetSeconds: number): ErrorAnswer {
    return {
      status: 429,
      name: 'rate_limit_exceeded',
      message: `Too many requests. You can only make ${limit} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`,
      headers: {
        'retry-after': String(resetSeconds),
        'ratelimit-limit': String(limit),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(resetSeconds),
      },
    };
  }

  function injectedFailure(spec: FailureSpec): ErrorAnswer {
    if (spec.status === 429) {
      const answer = rateLimitAnswer(rate?.limit ?? 2, 1);
      return { ...answer, name: spec.name ?? answer.name, message: spec.message ?? answer.message };
    }
    return {
      status: spec.status,
      name: spec.name ?? DEFAULT_ERROR_NAMES[spec.status] ?? 'application_error',
      message: spec.message ?? `Injected failure: the fake Resend answered ${spec.status}.`,
    };
  }

  /** Records the emails and builds the success body. */
  function accept(path: EmailPath, emails: ParsedEmail[], errors: Array<{ index: number; message: string }> | null, idempotencyKey: string | null, record: RequestRecord): string {
    const ids: string[] = [];
    for (const email of emails) {
      const id = randomUUID();
      ids.push(id);
      const to = typeof email.to === 'string' ? [email.to] : email.to;
      for (const address of to) {
        const key = recipientKey(address);
        const previous = recipients.add(key);
        if (previous === 0) stats.distinctRecipients++;
        if (previous === 1) stats.duplicateRecipients++;
      }
      stats.accepted++;
      if (webhooks.config) acceptedNow.push({ id, to });
      if (keepBodies) {
        const delivery: Delivery = {
          id,
          path,
          to,
          from: email.from,
          subject: email.subject,
          idempotencyKey,
          receivedAt: record.at,
          requestIndex: record.index,
        };
        if (email.html !== undefined) delivery.html = email.html;
        if (email.text !== undefined) delivery.text = email.text;
        if (email.headers !== undefined) delivery.headers = email.headers;
        if (email.tags !== undefined) delivery.tags = email.tags;
        if (email.template !== undefined) delivery.templateId = email.template.id;
        deliveries.push(delivery);
      }
    }
    if (path === '/emails') return JSON.stringify({ id: ids[0] });
    return JSON.stringify(errors === null ? { data: ids.map((id) => ({ id })) } : { data: ids.map((id) => ({ id })), errors });
  }

  async function handleEmails(req: IncomingMessage, res: ServerResponse, path: EmailPath, record: RequestRecord): Promise<void> {
    let headers: Record<string, string> = {};
    const reject = (status: number, name: string, message: string) =>
      answerError(res, record, { status, name, message }, headers);

    // The gateway counts a request when it arrives, not when its body has been read.
    const gateVerdict = options.gateway ? gatewayVerdict(req.headers['x-fake-gateway']) : null;
    const arrivedAt = gateVerdict?.at ?? Date.now();
    record.at = arrivedAt;
    const raw = await readBody(req);
    if (raw === null) return reject(413, 'validation_error', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
    stats.emailBodyBytes += raw.length;

    // Authentication: Resend answers 401 without a key and 403 with a wrong one.
    const authorization = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!bearer) {
      return reject(401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY');
    }
    const apiKey = bearer[1]!;
    if (options.apiKey !== undefined && apiKey !== options.apiKey) return reject(403, 'invalid_api_key', 'API key is invalid');

    // Rate limit, before anything else is looked at, as Resend's gateway does.
    if (rate) {
      let verdict = gateVerdict;
      if (!verdict) {
        let window = windows.get(apiKey);
        if (!window) windows.set(apiKey, (window = new SlidingWindow()));
        verdict = { at: arrivedAt, ...window.hit(arrivedAt, rate.limit, rate.windowMs) };
      }
      headers = {
        'ratelimit-limit': String(rate.limit),
        'ratelimit-remaining': String(verdict.remaining),
        'ratelimit-reset': String(verdict.resetSeconds),
      };
      if (!verdict.allowed) return answerError(res, record, rateLimitAnswer(rate.limit, verdict.resetSeconds), headers);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reject(400, 'validation_error', 'The request body is not valid JSON.');
    }
    record.count = path === '/emails' ? 1 : Array.isArray(body) ? body.length : 0;

    const idempotencyHeader = req.headers['idempotency-key'];
    const idempotencyKey = typeof idempotencyHeader === 'string' ? idempotencyHeader : null;
    record.idempotencyKey = idempotencyKey;
    if (idempotencyKey !== null && (idempotencyKey.length < 1 || idempotencyKey.length > 256)) {
      return reject(400, 'invalid_idempotency_key', 'The idempotency key must be between 1 and 256 characters.');
    }

    // Validation against SendEmailRequest (one email, or an array of at most 100 of them).
    let emails: ParsedEmail[];
    let batchErrors: Array<{ index: number; message: string }> | null = null;
    if (path === '/emails') {
      const checked = checkEmail(body, '', false);
      if ('problem' in checked) return reject(422, 'validation_error', checked.problem.message);
      emails = [checked.email];
    } else {
      const mode = req.headers['x-batch-validation'] ?? 'strict';
      if (mode !== 'strict' && mode !== 'permissive') {
        return reject(422, 'validation_error', 'Invalid `x-batch-validation` header: expected `strict` or `permissive`.');
      }
      if (!Array.isArray(body)) return reject(422, 'validation_error', 'Invalid body: expected an array of emails.');
      if (body.length === 0) return reject(422, 'validation_error', 'Invalid body: the batch must contain at least 1 email.');
      if (body.length > MAX_BATCH) {
        return reject(422, 'validation_error', `Too many emails in the batch: got ${body.length}, the maximum is ${MAX_BATCH}.`);
      }
      emails = [];
      for (let i = 0; i < body.length; i++) {
        const checked = checkEmail(body[i], `[${i}]`, true);
        if ('email' in checked) emails.push(checked.email);
        else if (mode === 'strict') return reject(422, 'validation_error', checked.problem.message);
        else (batchErrors ??= []).push({ index: i, message: checked.problem.message });
      }
      if (mode === 'permissive') batchErrors ??= [];
    }
    // A message naming a template is checked against it and recorded as the email it renders to.
    if (emails.some((e) => e.template !== undefined)) {
      const rendered = renderTemplates(emails);
      // Refused as a whole, in either validation mode: a template problem is the sender's, not one reader's.
      if ('problem' in rendered) return reject(422, 'validation_error', rendered.problem);
      emails = rendered.emails;
    }

    // Injected faults: decided after validation, before anything is recorded or remembered.
    let slowMs = 0;
    let dropAfter = false;
    const failure = faults.failures.shift();
    if (failure) return answerError(res, record, injectedFailure(failure), headers);
    const chaos = faults.chaos;
    if (chaos && chaos.kinds.length > 0 && chaos.random() < chaos.probability) {
      const kind = chaos.kinds[Math.floor(chaos.random() * chaos.kinds.length)]!;
      if (kind === '500') return answerError(res, record, injectedFailure({ status: 500 }), headers);
      if (kind === '429') return answerError(res, record, injectedFailure({ status: 429 }), headers);
      if (kind === 'slow') {
        const { min, max } = chaos.slowMs ?? { min: 1000, max: 3000 };
        slowMs = min + chaos.random() * Math.max(0, max - min);
      }
      if (kind === 'drop') {
        // Alternate, so exactly half of the drops happen after the delivery was recorded.
        if (chaos.drops++ % 2 === 0) return drop(res, record, 'dropped');
        dropAfter = true;
      }
    }
    const stallMs = faults.stallQueue.length > 0 ? faults.stallQueue.shift()! : faults.stallMs;

    // Idempotency: keys are per path; the first answer is replayed for the same body.
    let idempotencySlot: string | null = null;
    let hash = '';
    if (idempotencyKey !== null) {
      idempotencySlot = `${path}\n${idempotencyKey}`;
      hash = createHash('sha256').update(canonicalJson(body)).digest('hex');
      let prior = idempotency.get(idempotencySlot);
      if (prior?.state === 'done' && prior.expiresAt <= Date.now()) {
        idempotency.delete(idempotencySlot);
        prior = undefined;
      }
      if (prior?.state === 'in_flight') {
        return reject(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress. Try the request again later.');
      }
      if (prior?.state === 'done') {
        if (prior.hash !== hash) {
          return reject(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.');
        }
        if (!(await hold(stallMs + slowMs))) return drop(res, record, 'dropped');
        if (dropAfter) return drop(res, record, 'dropped');
        writeJson(res, prior.status, prior.body, headers);
        return finish(record, prior.status, 'replayed');
      }
      idempotency.set(idempotencySlot, { state: 'in_flight', hash });
    }

    try {
      // Held before processing: the key stays in flight, nothing is recorded yet.
      if (!(await hold(stallMs))) {
        if (idempotencySlot !== null) idempotency.delete(idempotencySlot);
        return drop(res, record, 'dropped');
      }
      const answer = accept(path, emails, batchErrors, idempotencyKey, record);
      const posted = webhooks.deliver(acceptedNow.splice(0));
      if (webhooks.config?.timing === 'before-answer') await posted;
      if (faults.acceptThenDrop > 0) {
        faults.acceptThenDrop--;
        dropAfter = true;
      }
      // 'slow': accepted already, the answer comes late; a retry meanwhile sees the key in flight.
      await hold(slowMs);
      if (idempotencySlot !== null) {
        idempotency.set(idempotencySlot, { state: 'done', hash, status: 200, body: answer, expiresAt: Date.now() + idempotencyTtlMs });
      }
      if (dropAfter || closed) return drop(res, record, 'accepted_dropped');
      writeJson(res, 200, answer, headers);
      finish(record, 200, 'accepted');
    } catch (error) {
      // Never leave a key "in flight" forever: that would turn every retry into a 409.
      if (idempotencySlot !== null && idempotency.get(idempotencySlot)?.state === 'in_flight') idempotency.delete(idempotencySlot);
      throw error;
    }
  }

  /** Each templated message as the email it stands for; the first refused one names the batch's problem. */
  function renderTemplates(emails: ParsedEmail[]): { emails: ParsedEmail[] } | { problem: string } {
    const out: ParsedEmail[] = [];
    for (let i = 0; i < emails.length; i++) {
      const email = emails[i]!;
      if (email.template === undefined) {
        out.push(email);
        continue;
      }
      const r = templates.render(email.template, keepBodies);
      if ('problem' in r) return { problem: `Invalid \`[${i}].template\` field: ${r.problem}` };
      const { html: _h, text: _t, ...rest } = email;
      const message: ParsedEmail = { ...rest, subject: email.subject ?? r.subject ?? '', from: email.from ?? r.from ?? '' };
      if (keepBodies) {
        message.html = r.html;
        if (r.text !== undefined) message.text = r.text;
      }
      out.push(message);
    }
    return { emails: out };
  }

  async function handleTemplates(req: IncomingMessage, res: ServerResponse, path: string, record: RequestRecord): Promise<void> {
    const raw = await readBody(req);
    if (raw === null) return answerError(res, record, { status: 413, name: 'validation_error', message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` }, {});
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!bearer) return answerError(res, record, { status: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header.' }, {});
    if (options.apiKey !== undefined && bearer[1] !== options.apiKey) return answerError(res, record, { status: 403, name: 'invalid_api_key', message: 'API key is invalid' }, {});
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return answerError(res, record, { status: 400, name: 'validation_error', message: 'The request body is not valid JSON.' }, {});
      }
    }
    const answer = templates.handle(req.method ?? 'GET', path.slice('/templates'.length), body);
    if (answer.status >= 400) {
      const e = answer.body as { name: string; message: string };
      return answerError(res, record, { status: answer.status, name: e.name, message: e.message }, {});
    }
    writeJson(res, answer.status, JSON.stringify(answer.body), {});
    finish(record, answer.status, 'answered');
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return writeJson(res, 200, JSON.stringify(control({ op: 'stats' })), {});
    const raw = await readBody(req);
    let parsed: z.ZodSafeParseResult<z.infer<typeof controlSchema>>;
    try {
      parsed = controlSchema.safeParse(JSON.parse(raw?.toString('utf8') ?? ''));
    } catch {
      return writeJson(res, 400, JSON.stringify({ statusCode: 400, name: 'validation_error', message: 'control body is not JSON' }), {});
    }
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; ');
      return writeJson(res, 400, JSON.stringify({ statusCode: 400, name: 'validation_error', message }), {});
    }
    let result: ControlResult;
    try {
      result = control(parsed.data as ControlCommand);
    } catch (error) {
      return writeJson(res, 400, JSON.stringify({ statusCode: 400, name: 'validation_error', message: (error as Error).message }), {});
    }
    await gatewaySynced;
    writeJson(res, 200, JSON.stringify(result), {});
  }

  function control(command: ControlCommand): ControlResult {
    switch (command.op) {
      case 'stats':
        break;
      case 'recipients':
        return { ok: true, stats: snapshot(), recipients: Object.fromEntries(addresses()) };
      case 'reset':
        fake.reset();
        break;
      case 'calm':
        fake.calm();
        break;
      case 'setRateLimit':
        fake.setRateLimit(command.requestsPerSecond);
        break;
      case 'failNext': {
        const spec: FailureSpec = { status: command.status ?? 500 };
        if (command.name !== undefined) spec.name = command.name;
        if (command.message !== undefined) spec.message = command.message;
        fake.failNext(command.n, spec);
        break;
      }
      case 'failRandomly': {
        const { op: _op, ...chaos } = command;
        fake.failRandomly(chaos);
        break;
      }
      case 'stall':
        fake.stall(command.ms);
        break;
      case 'stallNext':
        fake.stallNext(command.n, command.ms);
        break;
      case 'acceptThenDropNext':
        fake.acceptThenDropNext(command.n);
        break;
      case 'refuseTemplates':
        templates.refuseWith = command.status;
        break;
      case 'templates':
        return { ok: true, stats: snapshot(), templates: templates.list() };
      case 'webhooks':
        webhooks.configure(command.config);
        break;
    }
    return { ok: true, stats: snapshot(), webhooks: webhooks.stats };
  }

  /** Accepted deliveries per address; only a fake that keeps bodies keeps addresses. */
  function addresses(): Map<string, number> {
    const entries = recipients.entries();
    if (!entries) throw new Error('this fake keeps no addresses (keepBodies: false counts recipients by fingerprint): compare stats.distinctRecipients and stats.duplicateRecipients instead');
    return entries;
  }

  function snapshot(): FakeResendStats {
    return { ...stats, byStatus: { ...stats.byStatus } };
  }

  // The gateway's copy of the rate limit; a control answer waits until the gateway has it.
  let gatewaySynced: Promise<void> = Promise.resolve();
  function syncGateway(): void {
    if (options.gateway) gatewaySynced = options.gateway.onRateChange(rate);
  }

  let requestCounter = 0;
  const server = createServer((req, res) => {
    res.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0]!.replace(/(.)\/+$/, '$1');
    if (path === '/__control') {
      handleControl(req, res).catch((error: unknown) => internalError(res, error));
      return;
    }
    stats.requests++;
    const record: RequestRecord = {
      index: requestCounter++,
      method: req.method ?? 'GET',
      path,
      status: 0,
      outcome: 'pending',
      idempotencyKey: null,
      at: Date.now(),
      count: 0,
    };
    if (keepBodies) requests.push(record);
    if (path === '/templates' || path.startsWith('/templates/')) {
      handleTemplates(req, res, path, record).catch((error: unknown) => internalError(res, error));
      return;
    }
    if (path !== '/emails' && path !== '/emails/batch') {
      req.resume();
      return answerError(res, record, { status: 404, name: 'not_found', message: 'The requested endpoint does not exist.' }, {});
    }
    if (req.method !== 'POST') {
      req.resume();
      return answerError(res, record, { status: 405, name: 'method_not_allowed', message: `Method ${req.method} is not allowed on ${path} by the fake.` }, {});
    }
    handleEmails(req, res, path, record).catch((error: unknown) => {
      internalError(res, error);
      finish(record, 500, 'failed', 'internal_server_error');
    });
  });
  server.keepAliveTimeout = 10_000;

  function internalError(res: ServerResponse, error: unknown): void {
    const message = `fake resend crashed: ${error instanceof Error ? error.message : String(error)}`;
    writeJson(res, 500, JSON.stringify({ statusCode: 500, name: 'internal_server_error', message }), {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const fake: FakeResend = {
    url: `http://127.0.0.1:${port}`,
    port,
    deliveries,
    requests,
    templates,
    get replays() {
      return stats.replays;
    },
    get rateLimited() {
      return stats.rateLimited;
    },
    accepted: () => stats.accepted,
    distinctRecipients: () => recipients.size,
    countByRecipient: () => addresses(),
    duplicates: () => new Map([...addresses()].filter(([, count]) => count > 1)),
    stats: snapshot,
    setRateLimit(requestsPerSecond) {
      rate = requestsPerSecond === null ? null : rateWindow(requestsPerSecond);
      windows = new Map();
      syncGateway();
    },
    failNext(n, failure = { status: 500 }) {
      for (let i = 0; i < n; i++) faults.failures.push(failure);
    },
    failRandomly(chaos) {
      faults.chaos = chaos === null ? null : { ...chaos, random: seededRandom(chaos.seed ?? 1), drops: 0 };
    },
    stall(ms) {
      faults.stallMs = ms;
    },
    stallNext(n, ms) {
      for (let i = 0; i < n; i++) faults.stallQueue.push(ms);
    },
    acceptThenDropNext(n) {
      faults.acceptThenDrop += n;
    },
    calm() {
      faults = noFaults();
    },
    reset() {
      faults = noFaults();
      rate = initialRate;
      windows = new Map();
      syncGateway();
      idempotency = new Map();
      stats = emptyStats();
      recipients = newTally();
      templates.refuseWith = null;
      deliveries.length = 0;
      requests.length = 0;
      requestCounter = 0;
    },
    control,
    webhooks,
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of holds) {
        clearTimeout(entry.timer);
        entry.resolve(false);
      }
      holds.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

/** The raw body, or null when it is larger than MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
