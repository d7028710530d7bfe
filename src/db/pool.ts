// The Postgres pool and a transaction helper. Domain code receives a Db, never imports pg itself.
import pg from 'pg';

// bigint ids (int8) come back as JS numbers: our ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = pg.Pool;

export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Opens a pool; `application_name` shows which process holds a connection in pg_stat_activity.
 * `statementTimeoutMs`: the server cancels any statement of this pool running longer (web requests). */
export function createPool(databaseUrl: string, opts: { max?: number; name?: string; statementTimeoutMs?: number; searchPath?: string; onError?: (err: Error) => void } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    application_name: opts.name ?? 'verdicts',
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath}` } : {}),
    connectionTimeoutMillis: 10_000,
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // A connection terminated by the server (restart, pg_terminate_backend) must not crash the process:
  // the pool drops it and the next query opens a fresh one. The app counts and logs it (onError).
  pool.on('error', opts.onError ?? (() => {}));
  return pool;
}

/** The admin pages' own few connections: a slow editor's page waits for these, never for the ones that
 * serve signups and webhooks. */
export const ADMIN_POOL_MAX = 3;
export const ADMIN_STATEMENT_TIMEOUT_MS = 10_000;
export function createAdminPool(databaseUrl: string): Db {
  return createPool(databaseUrl, { max: ADMIN_POOL_MAX, name: 'verdicts-admin', statementTimeoutMs: ADMIN_STATEMENT_TIMEOUT_MS });
}

/** Runs fn inside BEGIN/COMMIT, rolling back on any error so nothing is half-written. */
export async function inTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  // A checked-out client has no pool listener: a connection terminated between two of its queries
  // (server restart, pg_terminate_backend) would emit an unhandled 'error' and kill the process. Keep the
  // error instead; the next query fails anyway, and the broken client is discarded on release.
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken ??= rollbackErr));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Checks that the database answers, turning driver errors into one readable line. */
export async function assertReachable(db: Db, url: string): Promise<void> {
  try {
    await db.query('SELECT 1');
  } catch (err) {
    const safe = redactUrl(url);
    throw new Error(`cannot reach Postgres at ${safe}: ${(err as Error).message}`);
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
