// Real `verdicts` processes for the chaos tests and the benchmark: spawned exactly as an operator runs them
// (`node src/cli/bin.mjs worker send` with env), their pino lines kept in a file, and their CPU time and
// memory read from /proc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/bin.mjs');

/** One `verdicts ARGS` run as an operator runs it (its own process, PATH and `env` only), to its end: the exit
 * code and what it printed, a failure included. */
export async function runVerdicts(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The JSON object a `--json` command prints as its last line. */
export const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

const CLK_TCK = 100; // `getconf CLK_TCK` on Linux

export interface ProcUsage {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssMb: number;
  /** Peak resident set size (VmHWM). */
  peakRssMb: number;
}

/** CPU and memory of a live process, or null once it is gone. */
export function procUsage(pid: number): ProcUsage | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { cpuSeconds, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Busy and total jiffies of the whole machine, for "how much of the machine did it use". */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

/** Summed CPU seconds of every process whose command name starts with `comm` (e.g. postgres, redis-server). */
export function cpuOfCommand(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirNumeric('/proc')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!name.startsWith(comm)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function readdirNumeric(dir: string): number[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** CPU seconds a set of processes spent between two cpuOfCommand() snapshots (new ones count whole). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let s = 0;
  for (const [pid, cpu] of after) s += cpu - (before.get(pid) ?? 0);
  return s;
}

export interface VerdictsProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves when the process has ended (by itself or a signal). */
  exited: Promise<void>;
  alive(): boolean;
  usage(): ProcUsage | null;
  /** Resolves once a pino line whose msg equals `msg` appears (e.g. 'workers started'). */
  waitForLog(msg: string, timeoutMs?: number): Promise<void>;
  /** Every pino line the process wrote so far. */
  logLines(): Array<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `verdicts <args>` (e.g. ['worker', 'send']) as a process of its own with exactly `env` on top of
 * PATH/HOME. Its standard output (pino JSON lines) goes to logFile; standard error is inherited. `entry` runs
 * a build of the command (`npm run build`'s dist/verdicts.js) instead of the source through tsx.
 */
export function startVerdicts(name: string, args: string[], env: Record<string, string>, logFile: string, opts: { entry?: string; /** node's own flags, e.g. --cpu-prof (not allowed in NODE_OPTIONS) */ nodeArgs?: string[] } = {}): VerdictsProcess {
  const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.entry ?? BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.pipe(out);
  // Whatever happens to the test or bench process, its workers do not outlive it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', orphanGuard);
      resolve();
    }),
  );
  const readLines = () => {
    let raw = '';
    try {
      raw = readFileSync(logFile, 'utf8');
    } catch {
      return [];
    }
    const lines: Array<Record<string, unknown>> = [];
    for (const l of raw.split('\n')) {
      if (!l.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(l));
      } catch {
        // a line still being written
      }
    }
    return lines;
  };
  const proc: VerdictsProcess = {
    name,
    child,
    pid: child.pid!,
    logFile,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    usage: () => procUsage(child.pid!),
    logLines: readLines,
    async waitForLog(msg, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (readLines().some((l) => l.msg === msg && l.pid === child.pid)) return;
        if (!proc.alive()) throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before logging "${msg}"`);
        if (Date.now() > end) throw new Error(`${name} did not log "${msg}" within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill(signal = 'SIGTERM') {
      if (!proc.alive()) return;
      child.kill(signal);
      await exited;
    },
  };
  return proc;
}
