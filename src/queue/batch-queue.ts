// The BullMQ side of fan-out: batch jobs with deterministic ids on the send queue.
import type { BatchQueue } from '../delivery/fanout.js';
import type { AppQueue } from './connection.js';
import { jobIds, SEND_ATTEMPTS, SEND_BACKOFF_MS } from './jobs.js';

const ADD_CHUNK = 1000;

export const SEND_JOB_OPTIONS = {
  attempts: SEND_ATTEMPTS,
  backoff: { type: 'exponential' as const, delay: SEND_BACKOFF_MS },
  removeOnComplete: { count: 2000 },
  removeOnFail: { count: 5000 },
};

export function bullBatchQueue(sendQueue: AppQueue): BatchQueue {
  return {
    async addBatches(issue, batches, opts = {}) {
      for (let i = 0; i < batches.length; i += ADD_CHUNK) {
        const chunk = batches.slice(i, i + ADD_CHUNK);
        // A batch whose job ended (failed for good, or completed while rows stayed pending) is given a
        // fresh job; one still waiting or running is left alone (adding its id again is a no-op).
        const ended: number[] = [];
        if (!opts.fresh) await Promise.all(
          chunk.map(async (batch) => {
            const job = await sendQueue.getJob(jobIds.batch(issue.week, batch));
            if (!job) return;
            const state = await job.getState();
            if (state === 'failed' || state === 'completed') ended.push(batch);
          }),
        );
        for (const batch of ended) await sendQueue.remove(jobIds.batch(issue.week, batch)).catch(() => 0);
        await sendQueue.addBulk(
          chunk.map((batch) => ({
            name: 'send-batch',
            data: { issueId: issue.id, week: issue.week, batch },
            opts: { ...SEND_JOB_OPTIONS, jobId: jobIds.batch(issue.week, batch) },
          })),
        );
      }
    },
  };
}
