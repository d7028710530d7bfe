// What every CLI command shares: the validated config, and the database the rest of the project uses.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { openApp, type App, type OpenOptions } from '../app.js';
import { parseIsoWeek } from '../issues/week.js';
import { isoWeekOf } from '../issues/week.js';

const DEV_URL_FILE = 'database-url';

/** `npm start` writes its embedded database's URL here so that `npx verdicts …` in another terminal finds it. */
export function rememberDevDatabase(config: Config, url: string): void {
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(path.join(config.dataDir, DEV_URL_FILE), url + '\n', { mode: 0o600 });
}

export function devDatabaseUrl(config: Config): string | undefined {
  const file = path.join(config.dataDir, DEV_URL_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export async function openCliApp(opts: OpenOptions & { config?: Config } = {}): Promise<App> {
  const config = opts.config ?? loadConfig(process.env, { followDevServer: true });
  const databaseUrl = config.databaseUrl ?? opts.databaseUrl ?? devDatabaseUrl(config);
  if (!databaseUrl) {
    throw new Error('DATABASE_URL is not set and no `npm start` database was found under ' + config.dataDir);
  }
  return openApp(config, { name: 'verdicts-cli', poolSize: 4, ...opts, databaseUrl });
}

/** The --week option: validated, defaulting to the current ISO week in SCHEDULE_TZ. */
export function resolveWeek(week: string | undefined, config: Config): string {
  if (week === undefined) return isoWeekOf(new Date(), config.scheduleTz);
  parseIsoWeek(week);
  return week;
}

/** Prints the machine-readable answer as the last line of standard output. */
export function printJson(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
