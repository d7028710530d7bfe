// The README's connection budget, checked: the documented production set (a web, two senders, a render
// worker and a scheduler) started as operators start them, a send and a burst of signups through it, and
// pg_stat_activity sampled meanwhile. Each process stays within its row of the table, and every connection
// belongs to one of them: none from pools BullMQ would open by itself.
import { afterAll, describe, expect, it } from 'vitest';
import { chaosSend, type ChaosSend } from '../support/chaos.js';
import { freePort } from '../support/ports.js';
import { connectionsByProcess } from '../support/pg-connections.js';
import { defaultPoolMax, type ProcessPart } from '../../src/db/pool-budget.js';
import type { Backend } from '../support/harness.js';

const SET: Array<{ args: string[]; parts: ProcessPart[] }> = [
  { args: ['web'], parts: ['web'] },
  { args: ['worker', 'send'], parts: ['send'] },
  { args: ['worker', 'send'], parts: ['send'] },
  { args: ['worker', 'render'], parts: ['render'] },
  { args: ['scheduler'], parts: ['scheduler'] },
];

let send: ChaosSend | undefined;
afterAll(async () => {
  await send?.close();
});

describe.each<Backend>(['postgres', 'redis'])('connection budget (%s backend)', (backend) => {
  it('the production set stays within the table, and BullMQ opens no pool of its own', async () => {
    await send?.close();
    const readers = 2000;
    const s = (send = await chaosSend({ readers, sendRate: 20, backend }));
    const port = await freePort();
    const procs = [];
    for (const p of SET) procs.push({ ...p, proc: await s.start(p.args, { PORT: String(port) }) });
    const budget = new Map(procs.map((p) => [p.proc.pid, defaultPoolMax(p.parts, backend)]));
    const peak = new Map(procs.map((p) => [p.proc.pid, 0]));
    let peakTotal = 0;
    let unnamed = 0;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const c = await connectionsByProcess(s.h.app.db, s.h.tdb.name, procs.map((p) => p.proc.pid));
        let total = 0;
        for (const [pid, n] of c.byPid) {
          peak.set(pid, Math.max(peak.get(pid)!, n));
          total += n;
        }
        peakTotal = Math.max(peakTotal, total);
        // Connections of this test's own pools ('test') are not the processes'.
        unnamed = Math.max(unnamed, c.unnamed);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await s.fanOut();
      // Signups in parallel while the send runs: the web process's pool under load.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`http://127.0.0.1:${port}/subscribe`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `budget${i}@example.com` }),
          }).then((r) => r.status),
        ),
      );
      await s.waitSent(60_000);
      // (The provider also saw the signups' confirmations: the ledger is the verdict on the issue here.)
      expect(await s.counts()).toMatchObject({ state: 'sent', sent: readers, failed: 0, pending: 0 });
    } finally {
      stop = true;
      await sampler;
    }
    const rows = procs.map((p) => ({ process: p.args.join(' '), peak: peak.get(p.proc.pid)!, budget: budget.get(p.proc.pid)! }));
    console.log(`connection budget (${backend}): ${JSON.stringify(rows)}, peak total ${peakTotal} of ${[...budget.values()].reduce((a, b) => a + b, 0)}`);
    for (const r of rows) expect(r.peak, r.process).toBeLessThanOrEqual(r.budget);
    for (const r of rows) expect(r.peak, `${r.process} holds a connection`).toBeGreaterThan(0);
    expect(peakTotal).toBeLessThanOrEqual([...budget.values()].reduce((a, b) => a + b, 0));
    // Every connection carries a name (ours, or a BullMQ worker's LISTEN client): BullMQ's own pools have none.
    expect(unnamed).toBe(0);
  }, 150_000);
});
