// What an editor otherwise needs the admin pages for, from the command line: `verdicts issues`,
// `approve | hold | cancel --week W`, `test-send --week W --to ADDRESS`, `subscribers list`.
import type { App } from '../app.js';
import { afterApproval, LATE_CUTOFF_MS } from '../issues/schedule.js';
import { approveWithGate, scheduledSlot } from '../issues/approval.js';
import { cancelWeek, holdWeek } from '../issues/lifecycle.js';
import { sendTestEmail } from '../issues/test-send.js';
import { listIssuesWithCounts } from '../web/admin/queries.js';
import { listSubscribers, SUBSCRIBER_STATUSES, type SubscriberStatus } from '../subscribers/list.js';
import { scheduleDeps } from '../queue/schedule-jobs.js';
import { printJson } from './context.js';
import { plural } from './words.js';

export async function issuesCommand(app: App, o: { json?: boolean; limit?: string }): Promise<number> {
  const limit = Number(o.limit ?? 30);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`--limit must be a whole number from 1 to 1000, not "${o.limit}"`);
  const rows = await listIssuesWithCounts(app.db, null, limit);
  if (o.json) {
    printJson({
      issues: rows.map((r) => ({
        week: r.week,
        state: r.state,
        subject: r.subject,
        reason: r.state_reason,
        pairs: r.pairs,
        to_send: r.to_send,
        sent: r.sent,
        failed: r.failed,
        skipped: r.skipped,
        pending: r.pending,
        sent_at: r.sent_at?.toISOString() ?? null,
      })),
    });
    return 0;
  }
  if (!rows.length) {
    console.log('no issues yet: "verdicts plan" plans this week\'s');
    return 0;
  }
  for (const r of rows) {
    const counts = r.to_send ? `  sent ${r.sent}/${r.to_send}${r.failed ? `, failed ${r.failed}` : ''}${r.skipped ? `, skipped ${r.skipped}` : ''}${r.pending ? `, pending ${r.pending}` : ''}` : '';
    console.log(`${r.week}  ${r.state.padEnd(9)}  ${plural(r.pairs, 'pair')}${counts}${r.subject ? `  "${r.subject}"` : ''}${r.state_reason ? `  (${r.state_reason})` : ''}`);
  }
  return 0;
}

/** Approves behind the quality gate, as the admin page does: a week whose slot has passed (not its cut-off) goes out now. */
export async function approveCommand(app: App, week: string, o: { json?: boolean }): Promise<number> {
  const issue = await approveWithGate(app.db, app.log, week, 'cli', app.config);
  const now = new Date();
  const slot = scheduledSlot(week, app.config.scheduleCron, app.config.scheduleTz, now);
  let outcome: 'approved' | 'sending' | 'late' | 'already';
  if (issue.state === 'sending' || issue.state === 'sent') outcome = 'already';
  else if (await afterApproval(scheduleDeps(app), week, slot, now)) outcome = 'sending';
  else outcome = slot && now.getTime() > slot.getTime() + LATE_CUTOFF_MS ? 'late' : 'approved';
  if (o.json) {
    printJson({ week, state: outcome === 'sending' ? 'sending' : issue.state, outcome, slot: slot?.toISOString() ?? null });
    return 0;
  }
  const lines = {
    already: `${week} is already ${issue.state}: nothing changed`,
    sending: `${week}: approved; its slot has passed, so the running workers send it now`,
    late: `${week}: approved, but its slot and 24-hour cut-off have passed: the schedule will not send it; "verdicts send --week ${week}" does`,
    approved: `${week}: approved; the scheduler sends it at its slot${slot ? ` (${slot.toISOString()})` : ''}`,
  };
  console.log(lines[outcome]);
  return 0;
}

export async function holdCommand(app: App, week: string, o: { json?: boolean; reason?: string }): Promise<number> {
  const issue = await holdWeek(app.db, app.log, week, o.reason?.trim() || 'held from the command line');
  if (o.json) printJson({ week, state: issue.state, reason: issue.state_reason });
  else console.log(`${week}: held (${issue.state_reason}); "verdicts approve --week ${week}" releases it`);
  return 0;
}

export async function cancelCommand(app: App, week: string, o: { json?: boolean; reason?: string }): Promise<number> {
  const issue = await cancelWeek(app.db, app.log, week, o.reason?.trim() || 'cancelled from the command line');
  if (o.json) printJson({ week, state: issue.state, reason: issue.state_reason });
  else console.log(`${week}: cancelled (${issue.state_reason}); it will not be sent`);
  return 0;
}

export async function testSendCommand(app: App, week: string, o: { to?: string; json?: boolean }): Promise<number> {
  if (!o.to) throw new Error('--to ADDRESS is required: whom to send the test to');
  const deps = { db: app.db, mailer: app.mailer, gate: app.sendGate, sendRate: app.config.sendRate, log: app.log, emailFrom: app.config.emailFrom, publicUrl: app.config.publicUrl, tokenSecret: app.config.tokenSecret };
  const r = await sendTestEmail(deps, week, o.to, 'cli');
  if (o.json) printJson({ week, to: r.to, subject: r.subject, message_id: r.messageId, mailer: app.mailer.name });
  else console.log(`${week}: test sent to ${r.to} ("${r.subject}")${app.config.resendApiKey ? '' : `; no RESEND_API_KEY: see it in the outbox, ${app.config.publicUrl}/admin/outbox`}`);
  return 0;
}

export async function subscribersListCommand(app: App, o: { status?: string; json?: boolean; limit?: string }): Promise<number> {
  if (o.status !== undefined && !SUBSCRIBER_STATUSES.includes(o.status as SubscriberStatus)) {
    throw new Error(`--status must be one of ${SUBSCRIBER_STATUSES.join(', ')}, not "${o.status}"`);
  }
  const limit = Number(o.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new Error(`--limit must be a whole number from 1 to 100000, not "${o.limit}"`);
  const { rows, total } = await listSubscribers(app.db, { status: o.status as SubscriberStatus | undefined, limit });
  if (o.json) {
    printJson({ total, subscribers: rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })) });
    return 0;
  }
  for (const r of rows) console.log(`${r.email}  ${r.status}${r.name ? `  ${r.name}` : ''}  since ${r.created_at.toISOString().slice(0, 10)}`);
  const shown = rows.length < total ? ` (${rows.length} shown; --limit shows more)` : '';
  console.log(`${plural(total, o.status ? `${o.status} reader` : 'reader')}${shown}`);
  return 0;
}
