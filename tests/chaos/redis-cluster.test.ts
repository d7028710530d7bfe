// The whole pipeline on a real Redis Cluster that this file starts itself (6 redis-server processes on free
// ports: 3 masters, 3 replicas): REDIS_CLUSTER_NODES set, REDIS_URL unset, a {hash-tagged} queue prefix.
// A full send, two senders sharing one, and a master SIGKILLed mid-send whose replica takes over: every
// reader gets exactly one email and nothing is left queued or sending.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHAOS_SCALE, chaosSend, type ChaosSend } from '../support/chaos.js';
import { waitFor } from '../support/harness.js';
import { uniqueQueuePrefix } from '../support/db.js';
import { readerServer, FORM } from '../support/readers.js';
import { startRedisCluster, type PrivateRedisCluster } from '../support/redis-cluster.js';
import { SIGNUP_RATE_LIMIT } from '../../src/web/routes/signup.js';

let cluster: PrivateRedisCluster;
let send: ChaosSend | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await send?.close();
  await cluster?.stop();
});

/** A send whose every Redis client is on the cluster. The harness's 'postgres' backend only means "no
 * REDIS_URL": with REDIS_CLUSTER_NODES set, queues, gate and rate limit all go to the cluster. */
/** Nothing left in the send queue on the cluster once the issue is sent: no job waiting, running or delayed. */
async function expectQueueDrained(s: ChaosSend): Promise<void> {
  const q = s.h.app.queue('send');
  await waitFor(async () => {
    const c = await q.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(c).every((n) => n === 0);
  }, 20_000, 'an empty send queue');
}

async function clusterSend(readers: number, sendRate: number): Promise<ChaosSend> {
  await send?.close();
  const prefix = `{${uniqueQueuePrefix('cluster')}}`;
  send = await chaosSend({ readers, sendRate, backend: 'postgres', env: { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: prefix } });
  expect(send.h.app.queues.describe).toMatch(/^Redis Cluster /);
  return send;
}

it('sends a whole issue through the cluster: every reader once, the gate and the signup limit in its one slot', async () => {
  const readers = 2000 * CHAOS_SCALE;
  const s = await clusterSend(readers, 10);
  await s.start(['worker', 'all']);
  await s.start(['scheduler']);
  await s.fanOut();
  await s.waitSent(60_000 * CHAOS_SCALE);
  await s.expectExactlyOnce();
  await expectQueueDrained(s);
  const prefix = s.h.app.queuePrefix;
  // The signup limit counts in the cluster too, shared by two web servers (what two web processes share).
  const a = await readerServer(s.h);
  const b = await readerServer(s.h);
  try {
    const from = '203.0.113.9';
    for (let i = 0; i < SIGNUP_RATE_LIMIT.max; i++) {
      const r = await (i % 2 ? a : b).inject({ method: 'POST', url: '/subscribe', payload: `email=cluster${i}%40example.com`, headers: FORM, remoteAddress: from });
      expect(r.statusCode).toBe(200);
    }
    const over = await a.inject({ method: 'POST', url: '/subscribe', payload: 'email=cluster-over%40example.com', headers: FORM, remoteAddress: from });
    expect(over.statusCode).toBe(429);
  } finally {
    await a.close();
    await b.close();
  }
  // Queue, gate and limit keys all carry the prefix's hash tag, so they live on one master (no CROSSSLOT).
  const keys = await cluster.keys(`*${prefix}*`);
  expect(keys.some((k) => k === `${prefix}:send-rate-gate:departures`)).toBe(true);
  expect(keys.some((k) => k.startsWith(`${prefix}:web:rate-limit:`))).toBe(true);
  expect(keys.some((k) => k.startsWith(`bull:${prefix}-send:`))).toBe(true);
  const owners = new Set(await Promise.all(['x', 'y'].map((k) => cluster.masterOf(`${prefix}${k}`))));
  expect(owners.size).toBe(1);
}, 150_000 * CHAOS_SCALE);

it('two senders on the cluster split one send, exactly once', async () => {
  const readers = 3000 * CHAOS_SCALE;
  const s = await clusterSend(readers, 10);
  const a = await s.start(['worker', 'send']);
  const b = await s.start(['worker', 'send']);
  await s.start(['scheduler']);
  await s.fanOut();
  await s.waitSent(60_000 * CHAOS_SCALE);
  await s.expectExactlyOnce();
  const batchesOf = (p: typeof a) => p.logLines().filter((l) => l.msg === 'batch sent').length;
  expect(batchesOf(a) + batchesOf(b)).toBe(readers / 100);
  expect(Math.min(batchesOf(a), batchesOf(b))).toBeGreaterThan(0);
}, 150_000 * CHAOS_SCALE);

// Runs last: it leaves one master without a replica.
it('a master killed mid-send: its replica takes over and the send finishes, every reader exactly once', async () => {
  const readers = 4000 * CHAOS_SCALE;
  const s = await clusterSend(readers, 10);
  await s.provider.control({ op: 'stall', ms: 300 }); // requests in flight when the master dies
  await s.start(['worker', 'send']);
  await s.start(['worker', 'send']);
  await s.start(['scheduler']);
  const prefix = s.h.app.queuePrefix;
  const master = await cluster.masterOf(prefix);
  const sendStarted = Date.now();
  await s.fanOut();
  await waitFor(async () => (await s.accepted()) >= 0.25 * readers, 40_000 * CHAOS_SCALE, 'a quarter accepted');
  const acceptedAtKill = await s.accepted();
  const killedAt = Date.now();
  await cluster.kill(master);
  const promoted = await cluster.waitForFailover(prefix, master);
  const failedOverAt = Date.now();
  await s.provider.control({ op: 'stall', ms: 0 });
  await waitFor(async () => (await s.accepted()) > acceptedAtKill + 100, 60_000 * CHAOS_SCALE, 'sending again after the failover');
  const resumedAt = Date.now();
  await s.waitSent(90_000 * CHAOS_SCALE);
  const sentAt = Date.now();
  await s.expectExactlyOnce();
  await expectQueueDrained(s);
  expect(promoted).not.toBe(master);
  expect(s.processes.every((p) => p.alive())).toBe(true);
  // The figures the note asks for.
  console.log(
    `failover timings: kill -> replica serving the slot ${failedOverAt - killedAt} ms, kill -> sending again ${resumedAt - killedAt} ms, ` +
      `send ${sentAt - sendStarted} ms in all for ${readers} readers (${acceptedAtKill} accepted before the kill)`,
  );
}, 180_000 * CHAOS_SCALE);
