// A real app on a fresh database and fresh queue names, mail going to the local fake provider.
import { loadConfig, type Config } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { importCatalogFile } from '../../src/catalog/import.js';
import { createTestDatabase, TEST_REDIS_URL, uniqueQueuePrefix, type TestDatabase } from './db.js';
import { startFakeResend, type FakeResend } from './fake-resend.js';

export type Backend = 'redis' | 'postgres';

/** The harness app's ADMIN_TOKEN, for the tests that log in to /admin. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123';

export interface Harness {
  app: App;
  config: Config;
  env: Record<string, string>;
  tdb: TestDatabase;
  fake: FakeResend;
  close(): Promise<void>;
}

/** Environment for this harness's app, also handed to child processes (the SIGKILL test). */
export function harnessEnv(tdb: TestDatabase, providerUrl: string, backend: Backend, prefix: string, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: tdb.url,
    ...(backend === 'redis' ? { REDIS_URL: TEST_REDIS_URL } : {}),
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: providerUrl,
    PUBLIC_URL: 'https://verdicts.example.org',
    MAILING_ADDRESS: '1 Test Street, 10115 Berlin, Germany',
    TOKEN_SECRET: 'test-token-secret-0123456789',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    EMAIL_FROM: 'Weekly AI Tool Verdicts <verdicts@example.org>',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REQUIRE_APPROVAL: 'false',
    DATA_DIR: `.data/test-${prefix}`,
    ...extra,
  };
}

export async function createHarness(
  opts: { backend?: Backend; env?: Record<string, string>; catalog?: boolean; fake?: FakeResend; providerUrl?: string } = {},
): Promise<Harness> {
  const tdb = await createTestDatabase();
  // In-process fake unless the test runs the provider in a process of its own (providerUrl).
  const fake = opts.fake ?? (await startFakeResend());
  const prefix = uniqueQueuePrefix();
  const env = harnessEnv(tdb, opts.providerUrl ?? fake.url, opts.backend ?? 'redis', prefix, opts.env);
  const config = loadConfig(env);
  const app = await openApp(config, { name: 'test', logger: createLogger(config.logLevel, 'test') });
  if (opts.catalog !== false) await importCatalogFile(app.db);
  return {
    app,
    config,
    env,
    tdb,
    fake,
    async close() {
      await app.close();
      if (!opts.fake) await fake.close();
      await tdb.drop();
    },
  };
}

/** Adds `n` active readers reader0@example.net … and returns their ids. */
export async function addReaders(app: App, n: number, offset = 0): Promise<number[]> {
  const { rows } = await app.db.query<{ id: number }>(
    `INSERT INTO subscribers (email, name, status, source, consent_at)
     SELECT 'reader' || g || '@example.net', 'Reader ' || g, 'active', 'test', now() FROM generate_series($1::int, $2::int) g
     RETURNING id`,
    [offset, offset + n - 1],
  );
  return rows.map((r) => r.id);
}

/** Polls until fn returns true or the time is up. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs = 30_000, label = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
