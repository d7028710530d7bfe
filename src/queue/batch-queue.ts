// The BullMQ side of fan-out: batch jobs with deterministic ids on the send queue.
import type { BatchQueue } from '../delivery/fanout.js';
import type { AppQueue } from './connection.js';
import { enqueueMany } from './jobs.js';

export function bullBatchQueue(sendQueue: AppQueue): BatchQueue {
  return {
    async addBatches(issue, batches, opts = {}) {
      // A batch whose job ended (failed for good, or completed while rows stayed pending) is given a
      // fresh job; one still waiting or running is left alone (src/queue/jobs.ts).
      await enqueueMany({ queue: () => sendQueue }, 'send-batch', batches.map((b) => {
        const { batch, variant } = typeof b === 'number' ? { batch: b, variant: null } : b;
        // The whole issue's batches carry no variant: their jobs are exactly as before variants existed.
        return variant === null ? { issueId: issue.id, week: issue.week, batch } : { issueId: issue.id, week: issue.week, batch, variant };
      }), opts);
    },
  };
}
