// Keeps a sender's memory flat. Every provider request leaves its body behind as garbage several times
// over: the SDK's JSON string of the batch (5 MB, or 10 MB when the text holds characters beyond
// Latin-1, in V8's large-object space) and its UTF-8 bytes (~5 MB, outside the heap). Both outlive the
// request's few hundred milliseconds, so young-generation collections never free them; only a full
// collection does, and V8 puts that off until the heap has grown by hundreds of megabytes. A full
// collection after every GARBAGE_BUDGET_BYTES of request bodies keeps the garbage bounded at a known
// cost: it marks only the live heap (~40–60 MB). Measured by `npm run bench` (tests/bench/RESULTS.md):
// without it the sender's RSS peaked at ~400 MB, with it at ~300 MB, for ~0.1 CPU s more per 1,000 emails.
import v8 from 'node:v8';
import vm from 'node:vm';
import { metrics } from '../metrics.js';

const GARBAGE_BUDGET_BYTES = 48e6;

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

export class GarbageBudget {
  private since = 0;
  constructor(private readonly budgetBytes = GARBAGE_BUDGET_BYTES) {}

  /** Counts bytes that have become garbage. */
  note(bytes: number): void {
    this.since += bytes;
  }

  /** Runs a full collection if the bytes counted since the last one passed the budget. Called where a
   * pause does no harm: before a batch takes its send-rate slot, never between the slot and the request. */
  collectIfDue(): boolean {
    if (this.since < this.budgetBytes) return false;
    this.since = 0;
    const gc = fullGc();
    if (!gc) return false;
    const t = performance.now();
    gc();
    metrics.senderFullGcSeconds.observe((performance.now() - t) / 1000);
    return true;
  }
}

/** What one provider request of `emails` personalised copies of an issue leaves behind, roughly: the JSON
 * string (counted as two-byte) and its UTF-8 bytes. */
export function requestGarbageBytes(emails: number, htmlChars: number, textChars: number): number {
  return emails * (htmlChars + textChars) * 3;
}
