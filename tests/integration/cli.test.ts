// The `verdicts` command as an operator uses it: real processes, real database, mail to the local outbox;
// and bad input of every kind answered with one line and a non-zero exit, nothing half-written.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, uniqueQueuePrefix } from '../support/db.js';
import { runVerdicts } from '../support/processes.js';
import { randomBytes } from 'node:crypto';

const BIN = path.resolve('src/cli/bin.mjs');
const tmp = mkdtempSync(path.join(tmpdir(), 'verdicts-cli-'));

const verdicts = runVerdicts;

describe('verdicts, end to end on the outbox', () => {
  const dbName = `verdicts_cli_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const env = {
    DATABASE_URL: url.toString(),
    QUEUE_PREFIX: uniqueQueuePrefix('cli'),
    LOG_LEVEL: 'warn',
    DATA_DIR: path.join(tmp, 'data'),
    PUBLIC_URL: 'https://verdicts.example.org',
    SEND_RATE: '50',
  };
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    if (worker) await new Promise((r) => worker!.once('exit', r));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('migrates, imports, plans, sends with --wait and reports JSON; a second send queues nothing', async () => {
    expect((await verdicts(['migrate'], env)).code).toBe(0);
    const cat = await verdicts(['catalog', 'import', '--json'], env);
    expect(JSON.parse(cat.stdout.trim().split('\n').pop()!)).toMatchObject({ tools: 17, reviewers: 8 });

    const csv = path.join(tmp, 'readers.csv');
    writeFileSync(csv, 'email,name\n' + Array.from({ length: 120 }, (_, i) => `Reader${i}@Example.net,Reader ${i}`).join('\n') + '\nbroken-address,Bad\n');
    const imp = await verdicts(['subscribers', 'import', csv, '--confirmed', '--json'], env);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.stdout.trim().split('\n').pop()!)).toMatchObject({ imported: 120, existing: 0, invalid: 1 });

    const plan = await verdicts(['plan', '--week', '2026-W47', '--json'], env);
    const planned = JSON.parse(plan.stdout.trim().split('\n').pop()!);
    expect(planned.pairs).toHaveLength(2);
    expect(planned.pairs[0].reasons.length).toBeGreaterThan(2);

    worker = spawn(process.execPath, [BIN, 'worker', 'all'], { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore' });
    const sent = await verdicts(['send', '--week', '2026-W47', '--wait', '--json'], env);
    expect(sent.code).toBe(0);
    const summary = JSON.parse(sent.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ week: '2026-W47', to_send: 120, sent: 120, failed: 0, skipped: 0 });
    expect(typeof summary.seconds).toBe('number');

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const outbox = await db.query(`SELECT count(*)::int AS n, count(DISTINCT to_address)::int AS d FROM outbox`);
    expect(outbox.rows[0]).toEqual({ n: 120, d: 120 });
    const again = await verdicts(['send', '--week', '2026-W47', '--json'], env);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toMatchObject({ sent: 120 });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await db.query(`SELECT count(*)::int AS n FROM outbox`)).rows[0].n).toBe(120);
    await db.end();

    const status = await verdicts(['status', '--week', '2026-W47', '--json'], env);
    expect(JSON.parse(status.stdout.trim().split('\n').pop()!)).toMatchObject({ state: 'sent', sent: 120 });
    const out = path.join(tmp, 'out');
    const rendered = await verdicts(['render', '--week', '2026-W47', '--out', out], env);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toContain(path.join(out, '2026-W47.html'));

    // Readers imported without --confirmed are owed a confirmation: the command queues them and the
    // running worker mails them (here to the outbox, there being no API key).
    const pendingCsv = path.join(tmp, 'pending.csv');
    writeFileSync(pendingCsv, 'email\nnew1@example.net\nnew2@example.net\nnew3@example.net\n');
    const queued = await verdicts(['subscribers', 'import', pendingCsv], env);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain('confirmations queued: 3');
    const check = new pg.Client({ connectionString: env.DATABASE_URL });
    await check.connect();
    try {
      const confirmations = async () => (await check.query(`SELECT count(DISTINCT to_address)::int AS n FROM outbox WHERE subject LIKE 'Confirm your subscription%'`)).rows[0].n;
      const until = Date.now() + 30_000;
      while ((await confirmations()) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      expect(await confirmations()).toBe(3);
    } finally {
      await check.end();
    }
  });

  it('runs the production processes separately and stops each gracefully on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const procs = {
      web: spawn(process.execPath, [BIN, 'web'], { env: { PATH: process.env.PATH!, ...env, PORT: String(port) }, stdio: 'ignore' }),
      sender: spawn(process.execPath, [BIN, 'worker', 'send'], { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore' }),
      scheduler: spawn(process.execPath, [BIN, 'scheduler'], { env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore' }),
    };
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('web process did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1500)); // let the worker and scheduler finish starting
    for (const [name, child] of Object.entries(procs)) {
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit, `${name} exit code`).toBe(0);
    }
  });

  it('answers bad input with one line and a non-zero exit', async () => {
    const oneLine = (r: { code: number; stderr: string }, pattern: RegExp) => {
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    };
    oneLine(await verdicts(['plan'], { ...env, DATABASE_URL: 'mysql://nope' }), /^verdicts: DATABASE_URL must be a postgres:\/\/ URL/);
    oneLine(await verdicts(['plan'], { ...env, DATABASE_URL: 'postgres://root@127.0.0.1:1/x' }), /^verdicts: cannot reach Postgres at postgres:\/\/root@127\.0\.0\.1:1\/x/);
    oneLine(await verdicts(['plan'], { ...env, REDIS_URL: 'redis://127.0.0.1:1/0' }), /^verdicts: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0/);
    oneLine(await verdicts(['plan'], { ...env, SEND_RATE: 'fast' }), /^verdicts: SEND_RATE /);
    oneLine(await verdicts(['plan', '--week', '2026-W54'], env), /^verdicts: unknown week "2026-W54"/);
    oneLine(await verdicts(['status', '--week', 'next'], env), /^verdicts: unknown week "next"/);

    const noEmail = path.join(tmp, 'no-email.csv');
    writeFileSync(noEmail, 'mail,name\nx@example.com,X\n');
    oneLine(await verdicts(['subscribers', 'import', noEmail], env), /no "email" column/);
    oneLine(await verdicts(['subscribers', 'import', path.join(tmp, 'missing.csv')], env), /missing\.csv: cannot read/);

    const badCatalog = path.join(tmp, 'bad.json');
    writeFileSync(badCatalog, JSON.stringify({ reviewers: [], tools: [{ slug: 'new-tool', name: 'New', category: 'X', tagline: 't', description: 'd', pricing: 5 }], reviews: [] }));
    oneLine(await verdicts(['catalog', 'import', badCatalog], env), /tools\[0\]\.pricing/);
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    expect((await db.query(`SELECT count(*)::int AS n FROM tools WHERE slug = 'new-tool'`)).rows[0].n).toBe(0);
    await db.end();
  });
});
