// Accepted deliveries per recipient, as the fake provider counts them to prove "exactly once".
//
// ExactTally keeps every address: what tests inspect (countByRecipient, duplicates). FingerprintTally, the
// fake's lean mode for benchmarks, keeps a 64-bit fingerprint of each address and its count in typed arrays:
// ~12 bytes per reader outside V8's heap instead of a Map of a million strings that every full collection
// of the fake has to mark. Measuring a million-reader send must not make the measuring side slower as it goes.
//
// Two different addresses with the same fingerprint would count as one reader accepted twice: a duplicate
// reported that did not happen, never one hidden. At a million readers the chance of any such pair is about
// n² / 2⁶⁵ ≈ 3 · 10⁻⁸.

export interface RecipientTally {
  /** Counts one accepted delivery to a (normalised) address; returns how many it had before. */
  add(address: string): number;
  /** Accepted deliveries to the address so far. */
  get(address: string): number;
  /** Different addresses counted. */
  readonly size: number;
  /** A copy of every address with its count; null when the tally keeps no addresses. */
  entries(): Map<string, number> | null;
}

export class ExactTally implements RecipientTally {
  private readonly counts = new Map<string, number>();

  add(address: string): number {
    const previous = this.counts.get(address) ?? 0;
    this.counts.set(address, previous + 1);
    return previous;
  }

  get(address: string): number {
    return this.counts.get(address) ?? 0;
  }

  get size(): number {
    return this.counts.size;
  }

  entries(): Map<string, number> {
    return new Map(this.counts);
  }
}

// The fingerprint of the last string given to fingerprint(): two 32-bit halves, kept here so hashing a
// million addresses allocates nothing.
let fpHigh = 0;
let fpLow = 0;

/** cyrb53's mixing (bryc, public domain) with both 32-bit halves kept: a 64-bit fingerprint. */
function fingerprintInto(s: string): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  fpHigh = h1 | 0;
  fpLow = h2 | 0;
}

/** Open addressing with linear probing; a count of 0 marks an empty slot. Doubles at half full. */
export class FingerprintTally implements RecipientTally {
  private high: Int32Array;
  private low: Int32Array;
  private counts: Uint32Array;
  private mask: number;
  private used = 0;

  constructor(initialSlots = 1 << 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.high = new Int32Array(slots);
    this.low = new Int32Array(slots);
    this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** The slot holding the current fingerprint, or the empty slot where it belongs. */
  private slot(): number {
    const { high, low, counts, mask } = this;
    let i = fpHigh & mask;
    while (counts[i] !== 0 && (high[i] !== fpHigh || low[i] !== fpLow)) i = (i + 1) & mask;
    return i;
  }

  add(address: string): number {
    fingerprintInto(address);
    const i = this.slot();
    const previous = this.counts[i]!;
    if (previous === 0) {
      this.high[i] = fpHigh;
      this.low[i] = fpLow;
      this.used++;
    }
    this.counts[i] = previous + 1;
    if (previous === 0 && this.used * 2 > this.counts.length) this.grow();
    return previous;
  }

  get(address: string): number {
    fingerprintInto(address);
    return this.counts[this.slot()]!;
  }

  get size(): number {
    return this.used;
  }

  entries(): null {
    return null;
  }

  private grow(): void {
    const { high, low, counts } = this;
    const slots = counts.length * 2;
    this.high = new Int32Array(slots);
    this.low = new Int32Array(slots);
    this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) continue;
      fpHigh = high[j]!;
      fpLow = low[j]!;
      const i = this.slot();
      this.high[i] = fpHigh;
      this.low[i] = fpLow;
      this.counts[i] = counts[j]!;
    }
  }
}
