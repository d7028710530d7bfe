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
  RESEND_API_KEY: opt(z.string().min(1)),
  RESEND_BASE_URL: opt(httpUrl.transform((v) => v.replace(/\/+$/, ''))),
  RESEND_WEBHOOK_SECRET: opt(z.string().min(1)),
  PUBLIC_URL: opt(httpUrl.transform((v) => v.replace(/\/+$/, ''))),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(3000)),
  METRICS_PORT: opt(z.coerce.number().int().min(0).max(65535)),
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
  QUEUE_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, 'must be lower-case letters, digits, - or _').default('verdicts')),
});

export interface Config {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  resendApiKey: string | undefined;
  resendBaseUrl: string;
  resendWebhookSecret: string | undefined;
  publicUrl: string;
  port: number;
  /** Where publicUrl came from, for messages: 'PUBLIC_URL', 'npm start' (remembered under DATA_DIR) or 'PORT'. */
  publicUrlSource: 'PUBLIC_URL' | 'npm start' | 'PORT';
  /** `npm start`'s embedded Postgres port (EMBEDDED_PG_PORT); unset: chosen once and remembered under DATA_DIR. */
  embeddedPgPort: number | undefined;
  /** Worker and scheduler processes serve GET /metrics on this port when set (the web process serves it on PORT). */
  metricsPort: number | undefined;
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
  const adminToken = e.ADMIN_TOKEN ?? devSecret(e.DATA_DIR, 'admin-token');
  const dev = opts.followDevServer ? readDevServer(e.DATA_DIR, e.DATABASE_URL) : undefined;
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL ?? dev?.redisUrl,
    resendApiKey: e.RESEND_API_KEY,
    resendBaseUrl: e.RESEND_BASE_URL ?? 'https://api.resend.com',
    resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    publicUrl: e.PUBLIC_URL ?? dev?.publicUrl ?? `http://localhost:${e.PORT}`,
    publicUrlSource: e.PUBLIC_URL ? 'PUBLIC_URL' : dev?.publicUrl ? 'npm start' : 'PORT',
    port: e.PORT,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    metricsPort: e.METRICS_PORT,
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
    queuePrefix: env.QUEUE_PREFIX?.trim() ? e.QUEUE_PREFIX : (dev?.queuePrefix ?? e.QUEUE_PREFIX),
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
