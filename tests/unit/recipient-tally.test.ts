import { describe, expect, it } from 'vitest';
import { ExactTally, FingerprintTally } from '../support/recipient-tally.js';

describe('recipient tallies of the fake provider', () => {
  it('the fingerprint tally agrees with the exact one through many doublings, duplicates included', () => {
    const exact = new ExactTally();
    const lean = new FingerprintTally(16);
    // 200,000 readers, every 997th of them sent to twice and every 7,919th three times. Disagreements are
    // collected and asserted once: 200,000 expect calls alone took seconds.
    const disagree: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const address = `reader${i}@example.net`;
      const times = i % 7919 === 0 ? 3 : i % 997 === 0 ? 2 : 1;
      for (let t = 0; t < times; t++) if (lean.add(address) !== exact.add(address)) disagree.push(`add ${address}`);
    }
    expect(lean.size).toBe(exact.size);
    expect(lean.size).toBe(200_000);
    for (const [address, count] of exact.entries()) if (lean.get(address) !== count) disagree.push(`get ${address}`);
    expect(disagree).toEqual([]);
    expect(lean.get('nobody@example.net')).toBe(0);
    expect(lean.get('reader1@example.net')).toBe(1);
    expect(lean.get('reader997@example.net')).toBe(2);
    expect(lean.get('reader7919@example.net')).toBe(3);
    expect(lean.entries()).toBeNull();
  });

  it('tells apart addresses that differ in one character or in order', () => {
    const lean = new FingerprintTally();
    for (const address of ['ab@x.io', 'ba@x.io', 'ab@x.iO', 'ab@x.io ', 'a@bx.io', '']) expect(lean.add(address)).toBe(0);
    expect(lean.size).toBe(6);
  });
});
