// The only reader of process.env: every setting is validated once into a typed object.
import { z } from 'zod';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const postgresUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a postgres:// URL such as postgres://user@127.0.0.1:5432/verdicts');

const redisUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      const db = u.pathname.replace(/^\//, '');
      return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '' && (db === '' || /^\d+$/.test(db));
    } catch {
      return false;
    }
  }, 'must be a redis:// URL such as redis://127.0.0.1:6379/0');

// host:port,host:port,… of a Redis Cluster's nodes (any few: ioredis discovers the rest).
const clusterNodes = z
  .string()
  .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'must be host:port,host:port,… such as 10.0.0.1:6379,10.0.0.2:6379')
  .transform((v) =>
    v.split(',').map((n) => {
      const [host, port] = n.trim().split(':') as [string, string];
      return { host, port: Number(port) };
    }),
  );

const httpUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

const fromAddress = z
  .string()
  .regex(/^[^<>\r\n]+<[^<>@\s]+@[^<>@\s]+>$|^[^<>@\s]+@[^<>@\s]+$/, 'must look like "Name <address@example.com>"');

function validCron(expr: string): boolean {
  if (expr.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(expr);
    return true;
  } catch {
    return false;
  }
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodTypeAny>(t: T) => z.preprocess(emptyToUndefined, t.optional());

const EnvSchema = z.object({
  DATABASE_URL: opt(postgresUrl),
  REDIS_URL: opt(redisUrl),
  REDIS_CLUSTER_NODES: opt(clusterNodes),
  DATABASE_POOL_MAX: opt(z.coerce.number().int().min(2, 'must be at least 2').max(500)),
  RESEND_API_KEY: opt(z.string().min(1)),
  RESEND_BASE_URL: opt(httpUrl.transform((v) => v.replace(/\/+$/, ''))),
  RESEND_WEBHOOK_SECRET: opt(z.string().min(1)),
  RESEND_TEMPLATES: opt(z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true')),
  PUBLIC_URL: opt(httpUrl.transform((v) => v.replace(/\/+$/, ''))),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  METRICS_PORT: opt(z.coerce.number().int().min(0).max(65535)),
  METRICS_TOKEN: opt(z.string().min(16, 'must be at least 16 characters')),
  REQUEST_TIMEOUT_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(300).default(10)),
  KEEP_ALIVE_TIMEOUT_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(600).default(5)),
  EMBEDDED_PG_PORT: opt(z.coerce.number().int().min(1).max(65535)),
  EMAIL_FROM: z.preprocess(emptyToUndefined, fromAddress.default('Weekly AI Tool Verdicts <verdicts@localhost>')),
  MAILING_ADDRESS: opt(z.string().min(5, 'must be a postal address')),
  TOKEN_SECRET: opt(z.string().min(16, 'must be at least 16 characters')),
  ADMIN_TOKEN: opt(z.string().min(12, 'must be at least 12 characters')),
  SEND_RATE: z.preprocess(emptyToUndefined, z.coerce.number().positive().max(1000).default(2)),
  SCHEDULE_CRON: z.preprocess(
    emptyToUndefined,
    z.string().refine(validCron, 'must be a 5-field cron expression such as "0 9 * * 2"').default('0 9 * * 2'),
  ),
  SCHEDULE_TZ: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Europe/Berlin')
      .default('UTC'),
  ),
  PAIRS_PER_ISSUE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(10).default(2)),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  REQUIRE_APPROVAL: opt(z.enum(['true', 'false']).transform((v) => v === 'true')),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('.data')),
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/,\s]+)$/, 'must be true, false, a hop count, or comma-separated proxy addresses')
      .default('false'),
  ),
  SUNSET_AFTER_ISSUES: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'must be a whole number of issues (0 turns the sunset off)' }).int('must be a whole number of issues (0 turns the sunset off)').min(0, 'must be 0 (off) or more').max(520, 'must be at most 520 issues').default(12),
  ),
  LEDGER_RETENTION_WEEKS: opt(z.coerce.number().int().min(1, 'must be a whole number of weeks, at least 1').max(1000)),
  // A Redis Cluster needs every key of a BullMQ queue in one slot: a {hash tag} such as {verdicts}.
  QUEUE_PREFIX: opt(
    z
      .string()
      .regex(
        /^(\{[a-z0-9][a-z0-9_-]{0,40}\}[a-z0-9_-]{0,20}|[a-z0-9][a-z0-9_-]{0,40})$/,
        'must be lower-case letters, digits, - or _, optionally starting with a {hash tag} such as {verdicts}',
      ),
  ),
});

export interface Config {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Nodes of a Redis Cluster (REDIS_CLUSTER_NODES), used when REDIS_URL is unset. */
  redisClusterNodes: Array<{ host: string; port: number }> | undefined;
  /** Postgres connections this process may open (DATABASE_POOL_MAX); unset: the role's default. */
  databasePoolMax: number | undefined;
  resendApiKey: string | undefined;
  resendBaseUrl: string;
  resendWebhookSecret: string | undefined;
  /** Issues go out through a provider-side template (RESEND_TEMPLATES); false: every email's HTML inline. */
  resendTemplates: boolean;
  publicUrl: string;
  port: number;
  /** Where publicUrl came from, for messages: 'PUBLIC_URL', 'npm start' (remembered under DATA_DIR) or 'PORT'. */
  publicUrlSource: 'PUBLIC_URL' | 'npm start' | 'PORT';
  /** `npm start`'s embedded Postgres port (EMBEDDED_PG_PORT); unset: chosen once and remembered under DATA_DIR. */
  embeddedPgPort: number | undefined;
  /** Every process serves GET /metrics on this port when set; the web process then no longer serves it on PORT. */
  metricsPort: number | undefined;
  /** Without METRICS_PORT, GET /metrics on PORT wants this as a bearer token (ADMIN_TOKEN when unset). */
  metricsToken: string | undefined;
  /** A request's headers and body must have arrived within this; keep-alive sockets idle this long close. */
  requestTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  emailFrom: string;
  mailingAddress: string;
  mailingAddressIsPlaceholder: boolean;
  tokenSecret: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  sendRate: number;
  scheduleCron: string;
  scheduleTz: string;
  pairsPerIssue: number;
  logLevel: string;
  /** Scheduled sends wait for an editor's approval (default: on when mail really leaves the machine). */
  requireApproval: boolean;
  dataDir: string;
  /** Whom to believe in X-Forwarded-For (the per-IP signup limit keys on the client address). */
  trustProxy: boolean | number | string;
  /** Queue names start with this, so several deployments (or test runs) can share one Redis. */
  queuePrefix: string;
  /** LEDGER_RETENTION_WEEKS: the scheduler prunes per-reader rows of sent issues older than this; unset keeps all. */
  ledgerRetentionWeeks: number | undefined;
  /** SUNSET_AFTER_ISSUES: issues without a click or vote before a reader is asked "still want this?"; 0 is off. */
  sunsetAfterIssues: number;
}

export const PLACEHOLDER_ADDRESS = '[placeholder postal address: set MAILING_ADDRESS before sending for real]';

/** Reads a dev secret kept under the data folder, creating it once. */
function devSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

export interface LoadOptions {
  /**
   * A command (not a server process) talking to `npm start`'s database takes the settings the running
   * `npm start` remembered under DATA_DIR (PUBLIC_URL, REDIS_URL, QUEUE_PREFIX) where its own environment
   * leaves them unset, so that its links and queues are the server's. Server processes never do.
   */
  followDevServer?: boolean;
}

/** Validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${name} ${issue.message.replace(/^Invalid input: /, '')}`);
  }
  const e = parsed.data;
  const production = e.RESEND_API_KEY !== undefined;
  if (production) {
    if (!e.MAILING_ADDRESS) throw new ConfigError('MAILING_ADDRESS is required when RESEND_API_KEY is set');
    if (!e.TOKEN_SECRET) throw new ConfigError('TOKEN_SECRET is required when RESEND_API_KEY is set');
    if (!e.ADMIN_TOKEN) throw new ConfigError('ADMIN_TOKEN is required when RESEND_API_KEY is set');
  }
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) throw new ConfigError('REDIS_CLUSTER_NODES and REDIS_URL are both set: set one of them');
  if (e.REDIS_CLUSTER_NODES && e.QUEUE_PREFIX && !e.QUEUE_PREFIX.startsWith('{')) {
    throw new ConfigError(`QUEUE_PREFIX must start with a {hash tag} on a Redis Cluster, e.g. {${e.QUEUE_PREFIX}}: BullMQ's scripts touch several keys of a queue at once, which a cluster allows only within one slot`);
  }
  const adminToken = e.ADMIN_TOKEN ?? devSecret(e.DATA_DIR, 'admin-token');
  const dev = opts.followDevServer ? readDevServer(e.DATA_DIR, e.DATABASE_URL) : undefined;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL ?? (e.REDIS_CLUSTER_NODES ? undefined : dev?.redisUrl),
    redisClusterNodes: e.REDIS_URL ? undefined : e.REDIS_CLUSTER_NODES,
    databasePoolMax: e.DATABASE_POOL_MAX,
    resendApiKey: e.RESEND_API_KEY,
    resendBaseUrl: e.RESEND_BASE_URL ?? 'https://api.resend.com',
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    resendTemplates: e.RESEND_TEMPLATES ?? production,
    publicUrl: e.PUBLIC_URL ?? dev?.publicUrl ?? `http://localhost:${e.PORT}`,
    publicUrlSource: e.PUBLIC_URL ? 'PUBLIC_URL' : dev?.publicUrl ? 'npm start' : 'PORT',
    port: e.PORT,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    requestTimeoutSeconds: e.REQUEST_TIMEOUT_SECONDS,
    keepAliveTimeoutSeconds: e.KEEP_ALIVE_TIMEOUT_SECONDS,
    emailFrom: e.EMAIL_FROM,
    mailingAddress: e.MAILING_ADDRESS ?? PLACEHOLDER_ADDRESS,
    mailingAddressIsPlaceholder: !e.MAILING_ADDRESS,
    tokenSecret: e.TOKEN_SECRET ?? devSecret(e.DATA_DIR, 'token-secret'),
    adminToken,
    adminTokenGenerated: e.ADMIN_TOKEN === undefined,
    sendRate: e.SEND_RATE,
    scheduleCron: e.SCHEDULE_CRON,
    scheduleTz: e.SCHEDULE_TZ,
    pairsPerIssue: e.PAIRS_PER_ISSUE,
    logLevel: e.LOG_LEVEL,
    requireApproval: e.REQUIRE_APPROVAL ?? production,
    dataDir: e.DATA_DIR,
    queuePrefix: e.QUEUE_PREFIX ?? dev?.queuePrefix ?? (e.REDIS_CLUSTER_NODES ? '{verdicts}' : 'verdicts'),
    ledgerRetentionWeeks: e.LEDGER_RETENTION_WEEKS,
    sunsetAfterIssues: e.SUNSET_AFTER_ISSUES,
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
  };
}

/** What a running `npm start` tells the commands in other terminals (written by rememberDevServer). */
export interface DevServer {
  databaseUrl: string;
  publicUrl: string;
  port: number;
  redisUrl?: string;
  queuePrefix: string;
  pid: number;
}

export const DEV_SERVER_FILE = 'npm-start.json';

/** The settings of the `npm start` that used this database (its own, or DATABASE_URL given to both), if any. */
function readDevServer(dataDir: string, databaseUrl: string | undefined): DevServer | undefined {
  const file = path.join(dataDir, DEV_SERVER_FILE);
  if (!existsSync(file)) return undefined;
  let dev: DevServer;
  try {
    dev = JSON.parse(readFileSync(file, 'utf8')) as DevServer;
  } catch {
    return undefined; // half-written or edited by hand: fall back to the plain defaults
  }
  const embeddedUrlFile = path.join(dataDir, 'database-url');
  const ours = databaseUrl ?? (existsSync(embeddedUrlFile) ? readFileSync(embeddedUrlFile, 'utf8').trim() : undefined);
  return ours !== undefined && ours === dev.databaseUrl ? dev : undefined;
}

/** `npm start` records its settings for the commands run beside it (mode 600: the URLs may carry passwords). */
export function rememberDevServer(dataDir: string, dev: DevServer): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, DEV_SERVER_FILE), JSON.stringify(dev, null, 2) + '\n', { mode: 0o600 });
}
