// `verdicts plan | render | send | status | preview`: an operator's and an editor's view of a week.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../app.js';
import { deliveryCounts, type DeliveryCounts } from '../delivery/ledger.js';
import { renderWeek } from '../issues/lifecycle.js';
import { approveWithGate } from '../issues/approval.js';
import { IssueError, planWeek } from '../issues/plan.js';
import { comparisonsOf, findIssue, type IssueRow } from '../issues/repo.js';
import { listToolsWithPanel } from '../catalog/read.js';
import { jobIds } from '../queue/jobs.js';
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

export async function weekStatus(app: App, week: string): Promise<StatusJson & { pending: number }> {
  const issue = await findIssue(app.db, week);
  const counts = issue ? await deliveryCounts(app.db, issue.id) : { to_send: 0, sent: 0, failed: 0, skipped: 0, pending: 0 };
  const start = issue?.send_started_at?.getTime();
  const end = issue?.sent_at?.getTime() ?? Date.now();
  return { week, state: issue?.state ?? null, ...counts, seconds: start ? Math.round((end - start) / 100) / 10 : null };
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
  // A later week sent today would reach readers days before its time, next to this week's issue:
  // refused before anything is planned or rendered, unless the operator says --now.
  const current = isoWeekOf(new Date(), app.config.scheduleTz);
  const existing = await findIssue(app.db, week);
  if (week > current && !o.now && existing?.state !== 'sending' && existing?.state !== 'sent') {
    throw new IssueError(
      `${week} is a later week than this one (${current}): "verdicts approve --week ${week}" sends it at its slot; add --now to send it today anyway`,
    );
  }
  let issue = await ensureRendered(app, week);
  if (issue.state === 'sending' || issue.state === 'sent') {
    if (!o.json) console.log(`${week} is already ${issue.state}: nothing new queued`);
  } else {
    if (issue.state === 'missed' || issue.state === 'cancelled') {
      throw new IssueError(`issue ${week} is ${issue.state}; re-plan it with "verdicts plan --week ${week} --force" to send it`);
    }
    // The operator's go still passes the quality gate: a broken render is refused with its reasons.
    issue = await approveWithGate(app.db, app.log, week, 'operator', app.config);
    await app.queue('render').add(
      'fan-out',
      { week, trigger: 'operator', notAfter: null },
      { jobId: `${jobIds.fanOut(week)}-operator`, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { count: 500 } },
    );
    if (!o.json) console.log(`${week}: approved and queued for the running workers ("${issue.subject}")`);
  }
  if (o.wait) {
    let last = { t: Date.now(), done: 0 };
    let rate = 0;
    const tty = process.stdout.isTTY && !o.json;
    for (;;) {
      const s = await weekStatus(app, week);
      const done = s.sent + s.failed + s.skipped;
      const now = Date.now();
      if (now > last.t) rate = 0.7 * rate + (0.3 * (done - last.done) * 1000) / (now - last.t);
      last = { t: now, done };
      // \x1b[K clears what is left of a longer previous line (e.g. "ETA 10 s" becoming "ETA 9 s").
      if (tty) process.stdout.write(`\r${progressLine(s, rate)}\x1b[K`);
      if (s.state === 'sent' || s.state === 'missed' || (s.state === 'sending' && s.to_send > 0 && s.pending === 0)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (tty) process.stdout.write('\n');
  }
  const s = await weekStatus(app, week);
  if (o.json) printJson({ week, to_send: s.to_send, sent: s.sent, failed: s.failed, skipped: s.skipped, seconds: s.seconds });
  else if (o.wait) console.log(`${week}: ${s.state}: sent ${s.sent} of ${s.to_send}, failed ${s.failed}, skipped ${s.skipped} in ${s.seconds ?? 0} s`);
  return s.failed > 0 ? 1 : 0;
}
