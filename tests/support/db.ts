// Each test file gets its own freshly migrated database on the real Postgres server.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Db } from '../../src/db/pool.js';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + name;
  return u.toString();
}

/** Creates `verdicts_test_<random>`, applies the real migrations, and returns a pool on it. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `verdicts_${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = urlFor(name);
  await migrate(url);
  const db = createPool(url, { max: 5, name: 'test' });
  return {
    url,
    name,
    db,
    async drop() {
      await db.end().catch(() => {});
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A queue name no other test (or earlier run) uses. */
export function uniqueQueuePrefix(label = 'q'): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}
