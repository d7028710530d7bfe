import { describe, expect, it } from 'vitest';
import { GarbageBudget, requestGarbageBytes } from '../../src/delivery/garbage.js';
import { metrics } from '../../src/metrics.js';

const collections = async () => (await metrics.senderFullGcSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;

describe("the sender's garbage budget", () => {
  it('runs a full collection once the bodies sent pass the budget', async () => {
    const budget = new GarbageBudget(30e6);
    const before = await collections();
    // Three 10 MB bodies, dropped after use as the SDK drops them.
    let body: string | null = null;
    for (let i = 0; i < 2; i++) {
      body = `${i}`.repeat(10e6);
      budget.note(body.length);
      expect(budget.collectIfDue()).toBe(false);
    }
    body = 'x'.repeat(10e6);
    expect(body.length).toBe(10e6);
    body = null;
    budget.note(10e6);
    expect(budget.collectIfDue()).toBe(true);
    expect(await collections()).toBe(before + 1);
    // The count starts again after a collection.
    budget.note(10e6);
    expect(budget.collectIfDue()).toBe(false);
  });

  it('counts a request as three times its characters', () => {
    expect(requestGarbageBytes(100, 36_000, 10_000)).toBe(13_800_000);
  });
});
