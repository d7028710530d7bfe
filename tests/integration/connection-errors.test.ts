// A Postgres connection the server terminates while it sits idle in the pool: the process stays up,
// the error is counted in verdicts_connection_errors_total and logged, and the next query works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openApp, type App } from '../../src/app.js';
import { registry } from '../../src/metrics.js';
import { createHarness, waitFor, type Harness } from '../support/harness.js';
import { ADMIN_URL } from '../support/db.js';

async function counted(source: string): Promise<number> {
  const m = (await registry.getSingleMetric('verdicts_connection_errors_total')?.get())?.values.find((v) => v.labels.source === source);
  return m?.value ?? 0;
}

describe('connection errors', () => {
  let h: Harness;
  let app: App;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    h = await createHarness({ catalog: false });
    const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    app = await openApp(loadConfig(h.env), { name: 'conn-errors', logger: log });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('a pooled connection terminated by the server is counted and logged, and the pool goes on', async () => {
    await app.db.query('SELECT 1'); // leaves an idle connection in the pool
    const before = await counted('postgres');
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'conn-errors' AND datname = $1`, [new URL(h.tdb.url).pathname.slice(1)]);
      expect(rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await waitFor(async () => (await counted('postgres')) > before, 5000, 'the pool error to be counted');
    expect(lines.some((l) => l.source === 'postgres' && String(l.err).includes('terminat'))).toBe(true);
    expect((await app.db.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });
});
