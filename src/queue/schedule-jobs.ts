// The schedule's follow-up jobs as BullMQ jobs (the Enqueue seam of src/issues/schedule.ts), and the
// schedule's dependencies of one app: shared by the workers and by the admin pages' approve action.
import type { App } from '../app.js';
import type { Enqueue, ScheduleDeps } from '../issues/schedule.js';
import { enqueue } from './jobs.js';

export function bullEnqueue(app: App): Enqueue {
  return {
    render: (week, scheduled) => enqueue(app, 'render-issue', { week, scheduled }),
    fanOut: (week, trigger, notAfter) => enqueue(app, 'fan-out', { week, trigger, notAfter }),
    deadline: (week, notAfter) => enqueue(app, 'approval-deadline', { week, notAfter }),
  };
}

export function scheduleDeps(app: App): ScheduleDeps {
  return {
    db: app.db,
    log: app.log,
    enqueue: bullEnqueue(app),
    pairsPerIssue: app.config.pairsPerIssue,
    requireApproval: app.config.requireApproval,
    scheduleTz: app.config.scheduleTz,
    publicUrl: app.config.publicUrl,
    mailingAddress: app.config.mailingAddress,
  };
}
