// `npm run bench -- --import N [--pending] [--from-source]`: `verdicts subscribers import` of an N-row CSV
// (0.5 % invalid rows, 0.5 % repeated addresses) into a fresh database, as an operator runs it (the
// production build, its own process). Prints the time, rows per second and the process's peak resident
// memory (VmHWM, sampled from /proc until it exits), and checks the printed counts against the file.
// --pending imports the readers as pending (each owed a confirmation email) instead of --confirmed.
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createTestDatabase } from '../support/db.js';
import { BIN, procUsage } from '../support/processes.js';
import { arg, flag, processEntry } from './args.js';

const N = Number(arg('import'));
if (!Number.isInteger(N) || N < 1) throw new Error('--import must be a row count such as 200000');
const say = (s: string) => process.stdout.write(s + '\n');
const entry = await processEntry(say);

const dir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-import-bench-'));
const file = path.join(dir, `readers-${N}.csv`);
let invalid = 0;
let repeated = 0;
{
  const out = createWriteStream(file);
  out.write('email,name\n');
  let buf = '';
  for (let i = 0; i < N; i++) {
    if (i % 200 === 199) {
      buf += `not-an-address-${i},Broken ${i}\n`;
      invalid++;
    } else if (i % 200 === 99) {
      buf += `reader${i - 50}@example.net,Again ${i}\n`;
      repeated++;
    } else {
      buf += `reader${i}@example.net,"Reader ${i}, imported"\n`;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
say(`file: ${N.toLocaleString('en')} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB; machine load average ${load} (${os.cpus().length} cores, shared)`);

const database = await createTestDatabase('bench');
try {
  const args = [entry ?? BIN, 'subscribers', 'import', file, ...(flag('pending') ? [] : ['--confirmed']), '--json'];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: database.url, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', QUEUE_PREFIX: 'bench-import' };
  const started = Date.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (b) => (stdout += b));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, procUsage(child.pid!)?.peakRssMb ?? 0)), 50);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`import exited with ${code}: ${stdout}`);
  const report = JSON.parse(stdout.trim().split('\n').pop()!);
  const expected = { imported: N - invalid - repeated, existing: repeated, invalid };
  const ok = report.imported === expected.imported && report.existing === expected.existing && report.invalid === expected.invalid;
  say(`import of ${N.toLocaleString('en')} rows (${flag('pending') ? 'pending' : '--confirmed'}): ${seconds.toFixed(1)} s, ${Math.round(N / seconds).toLocaleString('en')} rows/s, peak RSS ${peak.toFixed(0)} MB`);
  say(`counts: imported ${report.imported}, already present ${report.existing}, invalid ${report.invalid} — ${ok ? 'as generated' : `EXPECTED ${JSON.stringify(expected)}`}`);
  if (!ok) process.exitCode = 1;
} finally {
  await database.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
