// A private Redis Cluster for a test: six redis-server processes (3 masters, 3 replicas) on free ports, each
// with its own temp dir, joined by `redis-cli --cluster create`. No persistence, as in tests/support/redis-server.ts.
// The machine's shared Redis is never touched; stop() kills every node and removes the dirs.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

const run = promisify(execFile);

// A master that stops answering is failed over after this long. Short, for the failover test; under a
// loaded machine a shorter one could fail over a master that was only slow.
const NODE_TIMEOUT_MS = 2000;

export interface PrivateRedisCluster {
  /** The value of REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  /** The port of the master serving `key`'s slot (a hash tag such as {verdicts} decides it). */
  masterOf(key: string): Promise<number>;
  /** Every key matching `pattern` on any live node (replicas hold copies: each key once). */
  keys(pattern: string): Promise<string[]>;
  /** SIGKILLs one node (no goodbye to clients or to the other nodes). */
  kill(port: number): Promise<void>;
  /** Waits until `key`'s slot is served by a live master other than `formerPort` and the cluster is ok. */
  waitForFailover(key: string, formerPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

async function client(port: number): Promise<Redis> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  r.on('error', () => {});
  await r.connect();
  return r;
}

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = await client(port);
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

async function until(fn: () => Promise<boolean>, timeoutMs: number, label: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`redis cluster: timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Distinct free ports (the client port and, via --cluster-port, the bus port of each node). */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Which master serves a slot, from CLUSTER SLOTS as one live node sees it. */
async function masterOfSlot(askPort: number, slot: number): Promise<number | undefined> {
  const slots = await ask(askPort, (r) => r.cluster('SLOTS'));
  const range = slots.find(([from, to]) => slot >= from && slot <= to);
  return range?.[2]?.[1];
}

export async function startRedisCluster(): Promise<PrivateRedisCluster> {
  const all = await freePorts(12);
  const ports = all.slice(0, 6);
  const nodes = new Map<number, { child: ChildProcess; dir: string }>();
  // Whatever happens to the test process, its cluster does not outlive it.
  const orphanGuard = () => {
    for (const { child } of nodes.values()) child.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);
  const stop = async () => {
    process.off('exit', orphanGuard);
    await Promise.all([...nodes.values()].map(async ({ child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }));
    for (const { dir } of nodes.values()) rmSync(dir, { recursive: true, force: true });
  };
  try {
    ports.forEach((port, i) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-redis-cluster-'));
      const child = spawn(
        'redis-server',
        [
          '--port', String(port), '--cluster-port', String(all[6 + i]), '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
          '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning',
        ],
        { stdio: 'ignore' },
      );
      nodes.set(port, { child, dir });
    });
    for (const port of ports) await until(() => ask(port, async (r) => (await r.ping()) === 'PONG'), 10_000, `node ${port} to answer`);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    // Every node must see the whole cluster as ok before a client asks it anything.
    for (const port of ports) {
      await until(() => ask(port, async (r) => /cluster_state:ok/.test(String(await r.cluster('INFO')))), 30_000, `node ${port} to report cluster_state:ok`);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => ports.filter((p) => {
    const c = nodes.get(p)!.child;
    return c.exitCode === null && c.signalCode === null;
  });
  const slotOf = (key: string) => ask(live()[0]!, async (r) => Number(await r.cluster('KEYSLOT', key)));
  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    async masterOf(key) {
      const port = await masterOfSlot(live()[0]!, await slotOf(key));
      if (port === undefined) throw new Error(`redis cluster: no master serves the slot of ${key}`);
      return port;
    },
    async keys(pattern) {
      const found = await Promise.all(live().map((port) => ask(port, (r) => r.keys(pattern))));
      return [...new Set(found.flat())];
    },
    async kill(port) {
      const { child } = nodes.get(port)!;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    async waitForFailover(key, formerPort, timeoutMs = 30_000) {
      const slot = await slotOf(key);
      let promoted = 0;
      await until(
        async () => {
          for (const port of live()) {
            const m = await masterOfSlot(port, slot);
            if (m === undefined || m === formerPort || !live().includes(m)) return false;
            if (!/cluster_state:ok/.test(String(await ask(port, (r) => r.cluster('INFO'))))) return false;
            promoted = m;
          }
          return true;
        },
        timeoutMs,
        `a replica to take over the slot of ${key} from ${formerPort}`,
      );
      return promoted;
    },
    stop,
  };
}
