// What one process remembers between jobs, made once at start-up (src/app.ts) and handed to the code that
// uses it, instead of module globals: a test or a second app in the same process gets its own.
import { HeapCeiling } from './delivery/garbage.js';
import type { IssueForSending } from './delivery/personalize.js';

/** An issue being sent, with its topic variants by key (none: every reader gets the whole issue). */
export interface SendingIssue extends IssueForSending {
  variants: Map<string, IssueForSending>;
}

export interface ProcessState {
  /** Stored issues being sent, by id: an issue's content never changes once sending started. */
  issues: Map<number, SendingIssue>;
  /** Whether this process's last batch had to wait for its send-rate slot (src/delivery/sender.ts). */
  gateBinds: boolean;
  /** Rendered confirmation emails with a slot for the link, by kind and config (confirmation-sender.ts). */
  confirmTemplates: Map<string, string>;
  /** Every batch this process sends counts against it (src/delivery/garbage.ts). */
  heap: HeapCeiling;
  /** Inline batches (each ~15 MB while in flight) this process builds and sends at once. */
  inlineSlots: Slots;
}

/** At most INLINE_IN_FLIGHT inline batches at once, whatever the send worker's concurrency
 * (workers/start.ts): 4 fill the provider as well as 8 and keep a sender's memory bounded. */
export const INLINE_IN_FLIGHT = 4;

/** A counting semaphore: `run` waits for one of `size` slots, first come first served. */
export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

export function createProcessState(): ProcessState {
  return { issues: new Map(), gateBinds: false, confirmTemplates: new Map(), heap: new HeapCeiling(), inlineSlots: new Slots(INLINE_IN_FLIGHT) };
}
