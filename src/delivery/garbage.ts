// Keeps a sender's memory flat. Every provider request leaves its body behind several times over: each
// reader's copy of the issue, the SDK's JSON string of the batch (~5 MB, twice that when any field holds a
// character beyond Latin-1) and its UTF-8 bytes (~5 MB, outside the heap). All of it outlives the request's
// few hundred milliseconds, so young-generation collections promote it instead of freeing it, and V8 puts
// the full collection that would free it off until the heap has grown by hundreds of megabytes.
//
// HeapCeiling runs that full collection itself once the heap plus external memory has grown by
// GROWTH_BYTES since the last one. What the last collection left (the process's own live data, the
// batches in flight) is the floor, so the ceiling follows whatever the process holds: a sender that also
// serves the web pages (`npm start`) is not collected over and over for memory it really uses. A full
// collection marks only live objects (request bodies are strings and byte arrays, which hold no
// pointers): ~15–30 ms here. The allowance trades memory for CPU; at full speed (`npm run bench`, 100,000
// readers, tests/bench/RESULTS.md) 48 MB gave a 218 MB peak RSS for 0.335 CPU s per 1,000 emails, 64 MB
// 231–246 MB for 0.30–0.31 s.
import v8 from 'node:v8';
import vm from 'node:vm';
import { metrics } from '../metrics.js';

export const GROWTH_BYTES = 48e6;

type Gc = () => void;
let gcFunction: Gc | null | undefined;

/** V8's `gc()`, the function `--expose-gc` gives, exposed at run time; null if V8 refuses. */
function fullGc(): Gc | null {
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as Gc;
    } catch {
      gcFunction = null;
    }
  }
  return gcFunction;
}

/** Bytes the heap and the byte arrays outside it hold, live or garbage. (`arrayBuffers` is what Node's
 * allocator holds now; V8's own external-memory count lags a collection behind.) */
export function heldBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export class HeapCeiling {
  private floor: number | undefined;
  constructor(private readonly growthBytes = GROWTH_BYTES) {}

  /** Runs a full collection if memory grew by the allowance since the last one. Called where a pause does
   * no harm: before a batch takes its send-rate slot, never between the slot and the request. */
  collectIfDue(growthBytes = this.growthBytes): boolean {
    const held = heldBytes();
    this.floor ??= held;
    if (held < this.floor + growthBytes) return false;
    const gc = fullGc();
    if (!gc) return false;
    const t = performance.now();
    gc();
    metrics.senderFullGcSeconds.observe((performance.now() - t) / 1000);
    this.floor = heldBytes();
    return true;
  }
}
