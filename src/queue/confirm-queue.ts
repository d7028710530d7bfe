// The BullMQ side of confirmation emails: waking the one job that sends whatever is owed.
//
// Every signup wakes it, so the adds must not pile up: BullMQ's deduplication keeps one job per id. While
// that job waits (or is delayed), another add is a no-op: the waiting job's claim will find the new reader
// in Postgres. While it runs, `keepLastIfActive` keeps exactly one follow-up, created when the running
// job finishes, so a reader who asked after the running job's last claim is not left unsent.
import type { AppQueue } from './connection.js';
import { enqueue, type JobPayload } from './jobs.js';

export type ConfirmTrigger = JobPayload<'send-confirmations'>['trigger'];

// A web process takes hundreds of signups a second, and each would make a queue add that BullMQ then
// deduplicates away. One add per WAKE_EVERY_MS per process does the same: the first wake of a quiet spell
// adds at once; the wakes that follow within the window share one trailing add at its end, made after
// their rows were committed, so every reader who asked is followed by an add. (Should that trailing add
// fail, or the process stop first, the sweeper wakes the job within 30 s.)
const WAKE_EVERY_MS = 50;
interface WakeState {
  lastAddAt: number;
  trailing: NodeJS.Timeout | null;
}
const wakes = new WeakMap<AppQueue, WakeState>();

function add(queue: AppQueue, trigger: ConfirmTrigger) {
  return enqueue({ queue: () => queue }, 'send-confirmations', { trigger });
}

/** Wakes the confirmation job; cheap and safe to call on every signup. */
export async function wakeConfirmations(queue: AppQueue, trigger: ConfirmTrigger): Promise<void> {
  let state = wakes.get(queue);
  if (!state) wakes.set(queue, (state = { lastAddAt: 0, trailing: null }));
  if (state.trailing) return; // an add after this one's commit is already coming
  const wait = state.lastAddAt + WAKE_EVERY_MS - Date.now();
  if (wait <= 0) {
    state.lastAddAt = Date.now();
    await add(queue, trigger);
    return;
  }
  const s = state;
  s.trailing = setTimeout(() => {
    s.trailing = null;
    s.lastAddAt = Date.now();
    add(queue, trigger).catch(() => {}); // the sweeper covers a failed wake
  }, wait);
  s.trailing.unref();
}
