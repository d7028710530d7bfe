// Applies the forward-only SQL files in migrations/ with node-pg-migrate.
import { runner } from 'node-pg-migrate';
import { projectPath } from '../paths.js';

export const MIGRATIONS_DIR = projectPath('migrations');

/** Runs every pending migration; safe to call from several processes at once (node-pg-migrate takes a lock). */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    checkOrder: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
