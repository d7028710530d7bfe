import { describe, expect, it } from 'vitest';
import { HeapCeiling } from '../../src/delivery/garbage.js';
import { metrics } from '../../src/metrics.js';

const collections = async () => (await metrics.senderFullGcSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;

describe("the sender's heap ceiling", () => {
  it('runs a full collection once the heap and its byte arrays grew by the allowance', async () => {
    const ceiling = new HeapCeiling(20e6);
    const before = await collections();
    expect(ceiling.collectIfDue()).toBe(false); // the first call only takes the floor

    // Three 10 MB request bodies, as the SDK's UTF-8 bytes.
    let bodies: Buffer[] | null = Array.from({ length: 3 }, (_, i) => Buffer.alloc(10e6, i));
    expect(ceiling.collectIfDue()).toBe(true);
    expect(await collections()).toBe(before + 1);

    // What the collection left is the new floor: memory the process really uses is not collected again.
    expect(ceiling.collectIfDue()).toBe(false);
    expect(bodies.length).toBe(3);

    // Dropped bodies are freed by the next collection.
    const dropped = new WeakRef(bodies[0]!);
    bodies = null;
    await new Promise((r) => setImmediate(r)); // a WeakRef keeps its target alive until the current job ends
    const more: Buffer[] = Array.from({ length: 3 }, (_, i) => Buffer.alloc(10e6, i));
    expect(ceiling.collectIfDue()).toBe(true);
    expect(dropped.deref()).toBeUndefined();
    expect(more.length).toBe(3);
  });
});
