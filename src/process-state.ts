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
}

export function createProcessState(): ProcessState {
  return { issues: new Map(), gateBinds: false, confirmTemplates: new Map(), heap: new HeapCeiling() };
}
