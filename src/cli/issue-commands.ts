// `verdicts plan | render | send | status | preview`: an operator's and an editor's view of a week.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../app.js';
import { issueFigures, type DeliveryCounts, type EventCounts } from '../delivery/counts.js';
import { ABANDONED_STATES, PUBLISHED_STATES, renderWeek, STOPPED_STATES } from '../issues/lifecycle.js';
import { approveWithGate } from '../issues/approval.js';
import { IssueError, planWeek } from '../issues/plan.js';
import { comparisonsOf, findIssue, type IssueRow, type IssueState } from '../issues/repo.js';
import { listToolsWithPanel } from '../catalog/read.js';
import { enqueue, jobIdOf } from '../queue/jobs.js';
import { isoWeekOf } from '../issues/week.js';
import { printJson } from './context.js';
import { plural } from './words.js';

export async function planCommand(app: App, week: string, o: { json?: boolean; force?: boolean }): Promise<number> {
  const r = await planWeek(app.db, app.log, week, { pairsPerIssue: app.config.pairsPerIssue, force: o.force });
  const tools = new Map((await listToolsWithPanel(app.db)).map((t) => [t.id, t]));
  const pairs = r.comparisons.map((c) => ({
    position: c.position,
    category: c.category,
    a: tools.get(c.tool_a_id)?.name,
    b: tools.get(c.tool_b_id)?.name,
    reasons: c.reasons,
  }));
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  const runway = await (await import('./catalog-commands.js')).runwayLine(app);
  if (runway) process.stderr.write(`warning: ${runway}\n`);
  if (!r.issue) {
    process.stderr.write(`no issue planned for ${week}: no eligible pair of tools (import more tools or reviews)\n`);
    if (o.json) printJson({ week, state: null, pairs: [], warnings: r.warnings });
    return 1;
  }
  if (!o.json) {
    console.log(r.created ? `${week}: planned, ${plural(pairs.length, 'pair')}` : `${week}: already planned (${r.issue.state}), ${plural(pairs.length, 'pair')}`);
    for (const p of pairs) {
      console.log(`  ${p.position}. ${p.category}: ${p.a} vs ${p.b}`);
      for (const reason of p.reasons) console.log(`       - ${reason}`);
    }
  } else printJson({ week, state: r.issue.state, created: r.created, pairs, warnings: r.warnings });
  return 0;
}

async function ensureRendered(app: App, week: string): Promise<IssueRow> {
  let issue = await findIssue(app.db, week);
  if (!issue) {
    const planned = await planWeek(app.db, app.log, week, { pairsPerIssue: app.config.pairsPerIssue });
    if (!planned.issue) throw new IssueError(`no issue for ${week}: no eligible pair of tools`);
    issue = planned.issue;
  }
  if (issue.state === 'planned' || !issue.html) issue = await renderWeek(app.db, app.log, week, app.config);
  return issue;
}

export async function renderCommand(app: App, week: string, o: { out?: string }): Promise<number> {
  const issue = await ensureRendered(app, week);
  const dir = path.resolve(o.out ?? path.join(app.config.dataDir, 'renders'));
  mkdirSync(dir, { recursive: true });
  const html = path.join(dir, `${week}.html`);
  const text = path.join(dir, `${week}.txt`);
  writeFileSync(html, issue.html!);
  writeFileSync(text, issue.text!);
  console.log(`subject: ${issue.subject}\n${html} (${Buffer.byteLength(issue.html!)} bytes)\n${text}`);
  return 0;
}

export interface StatusJson extends Omit<DeliveryCounts, 'pending'> {
  week: string;
  state: string | null;
  seconds: number | null;
}

export async function weekStatus(app: App, week: string): Promise<StatusJson & { pending: number; events: Partial<EventCounts> }> {
  const issue = await findIssue(app.db, week);
  // The issue's figures: a few rows, however large its ledger (src/delivery/counts.ts).
  const { events, ...counts } = (await issueFigures(app.db, issue ? [issue.id] : [])).get(issue?.id ?? -1) ?? {
    to_send: 0, sent: 0, failed: 0, skipped: 0, pending: 0, events: {} as EventCounts,
  };
  const start = issue?.send_started_at?.getTime();
  const end = issue?.sent_at?.getTime() ?? Date.now();
  const shown = { sent: 0, delivered: 0, delivery_delayed: 0, opened: 0, clicked: 0, bounced: 0, complained: 0 };
  for (const k of Object.keys(shown) as Array<keyof typeof shown>) shown[k] = events[k] ?? 0;
  return { week, state: issue?.state ?? null, ...counts, seconds: start ? Math.round((end - start) / 100) / 10 : null, events: shown };
}

export async function statusCommand(app: App, week: string, o: { json?: boolean }): Promise<number> {
  const s = await weekStatus(app, week);
  const issue = await findIssue(app.db, week);
  if (o.json) {
    printJson({ ...s, subject: issue?.subject ?? null, reason: issue?.state_reason ?? null, pairs: issue ? (await comparisonsOf(app.db, issue.id)).length : 0 });
    return 0;
  }
  if (!issue) {
    console.log(`${week}: no issue`);
    return 0;
  }
  console.log(`${week}: ${issue.state}${issue.state_reason ? ` (${issue.state_reason})` : ''}`);
  if (issue.subject) console.log(`subject: ${issue.subject}`);
  console.log(`to send ${s.to_send} · sent ${s.sent} · failed ${s.failed} · skipped ${s.skipped} · pending ${s.pending}`);
  const e = s.events;
  if (Object.values(e).some((n) => n > 0)) {
    console.log(`readers with events: delivered ${e.delivered} · delayed ${e.delivery_delayed} · opened ${e.opened} · clicked ${e.clicked} · bounced ${e.bounced} · complained ${e.complained}`);
  }
  return 0;
}

function progressLine(s: StatusJson & { pending: number }, rate: number): string {
  const done = s.sent + s.failed + s.skipped;
  const width = 30;
  const filled = s.to_send === 0 ? width : Math.round((width * done) / s.to_send);
  const eta = rate > 0 && s.pending > 0 ? `${Math.ceil(s.pending / rate)} s` : '—';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${s.to_send}  ${rate.toFixed(0)}/s  ETA ${eta}  failed ${s.failed} skipped ${s.skipped}`;
}

/** The operator's explicit go: plan and render if needed, approve, and queue the fan-out. */
export async function sendCommand(app: App, week: string, o: { wait?: boolean; json?: boolean; now?: boolean }): Promise<number> {
  const existing = await findIssue(app.db, week);
  if (existing && ABANDONED_STATES.includes(existing.state)) {
    throw new IssueError(`issue ${week} is ${existing.state}; re-plan it with "verdicts plan --week ${week} --force" to send it`);
  }
  // A later week sent today would reach readers days before its time, next to this week's issue:
  // refused before anything is planned or rendered, unless the operator says --now.
  const current = isoWeekOf(new Date(), app.config.scheduleTz);
  if (week > current && !o.now && !(existing && PUBLISHED_STATES.includes(existing.state))) {
    throw new IssueError(
      `${week} is a later week than this one (${current}): "verdicts approve --week ${week}" sends it at its slot; add --now to send it today anyway`,
    );
  }
  let issue = await ensureRendered(app, week);
  let fanOutJobId: string | undefined;
  if (PUBLISHED_STATES.includes(issue.state)) {
    if (!o.json) console.log(`${week} is already ${issue.state}: nothing new queued`);
  } else {
    // The operator's go still passes the quality gate: a broken render is refused with its reasons.
    issue = await approveWithGate(app.db, app.log, week, 'operator', app.config);
    const fanOut = { week, trigger: 'operator', notAfter: null } as const;
    await enqueue(app, 'fan-out', fanOut);
    fanOutJobId = jobIdOf('fan-out', fanOut);
    if (!o.json) console.log(`${week}: approved and queued for the running workers ("${issue.subject}")`);
  }
  if (o.wait) {
    let last = { t: Date.now(), done: 0 };
    let rate = 0;
    const tty = process.stdout.isTTY && !o.json;
    let stopped: string | null = null;
    for (;;) {
      const s = await weekStatus(app, week);
      const done = s.sent + s.failed + s.skipped;
      const now = Date.now();
      if (now > last.t) rate = 0.7 * rate + (0.3 * (done - last.done) * 1000) / (now - last.t);
      last = { t: now, done };
      // \x1b[K clears what is left of a longer previous line (e.g. "ETA 10 s" becoming "ETA 9 s").
      if (tty) process.stdout.write(`\r${progressLine(s, rate)}\x1b[K`);
      if (s.state === 'sent' || (s.state === 'sending' && s.to_send > 0 && s.pending === 0)) break;
      // Nothing more will happen by itself: say why and exit non-zero instead of waiting forever.
      stopped = await whyNotSending(app, week, fanOutJobId);
      if (stopped) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (tty) process.stdout.write('\n');
    if (stopped) process.stderr.write(`${stopped}\n`);
  }
  const s = await weekStatus(app, week);
  if (o.json) printJson({ week, to_send: s.to_send, sent: s.sent, failed: s.failed, skipped: s.skipped, seconds: s.seconds });
  else if (o.wait) console.log(`${week}: ${s.state}: sent ${s.sent} of ${s.to_send}, failed ${s.failed}, skipped ${s.skipped} in ${s.seconds ?? 0} s`);
  return s.failed > 0 || (o.wait && !PUBLISHED_STATES.includes(s.state as IssueState)) ? 1 : 0;
}

/** Why a send the operator waits for will not go on by itself: the issue was stopped (held, cancelled,
 * missed) or its fan-out job failed for good. Null while it may still go on. */
async function whyNotSending(app: App, week: string, fanOutJobId: string | undefined): Promise<string | null> {
  const issue = await findIssue(app.db, week);
  if (issue && STOPPED_STATES.includes(issue.state)) return `${week} is ${issue.state}${issue.state_reason ? `: ${issue.state_reason}` : ''}; nothing is being sent`;
  if (!fanOutJobId || issue?.state !== 'approved') return null;
  const job = await app.queue('render').getJob(fanOutJobId);
  if (job && (await job.getState()) === 'failed') return `the send of ${week} could not start: ${job.failedReason || 'its fan-out job failed'}`;
  return null;
}
