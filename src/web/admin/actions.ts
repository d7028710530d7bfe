// The editors' actions, each a POST (CSRF-checked by the admin plugin): plan, re-plan, re-render, test
// send, approve (behind the quality gate), hold, cancel. A browser gets a 303 back to the issue page; a
// caller that asks for JSON gets JSON. Refusals show the issue page again with the reason.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createElement } from 'react';
import type { App } from '../../app.js';
import { approveWithGate, QualityGateError, scheduledSlot } from '../../issues/approval.js';
import { replanWeek, rerenderWeek, type PlanChange } from '../../issues/editing.js';
import { cancelWeek, holdWeek } from '../../issues/lifecycle.js';
import { IssueError } from '../../issues/plan.js';
import { findIssue } from '../../issues/repo.js';
import { afterApproval, LATE_CUTOFF_MS } from '../../issues/schedule.js';
import { sendTestEmail } from '../../issues/test-send.js';
import { scheduleDeps } from '../../queue/schedule-jobs.js';
import { csrfToken, loadIssuePage, validWeek, weekParam } from './load.js';
import { IssuePage } from './issue-page.js';
import { documentHtml } from './layout.js';

type Body = Record<string, unknown>;

const wantsJson = (req: FastifyRequest) => /application\/json/.test(req.headers.accept ?? '') && !/text\/html/.test(req.headers.accept ?? '');

function str(v: unknown, max = 200): string {
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

function toolId(v: unknown): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new IssueError('pick a tool');
  return n;
}

export async function adminActions(admin: FastifyInstance, app: App): Promise<void> {
  const composeOpts = { publicUrl: app.config.publicUrl, mailingAddress: app.config.mailingAddress, pairsPerIssue: app.config.pairsPerIssue };

  async function done(req: FastifyRequest, reply: FastifyReply, week: string, code: string) {
    if (wantsJson(req)) {
      const issue = await findIssue(app.db, week);
      return reply.send({ ok: true, week, state: issue?.state ?? null, done: code });
    }
    return reply.redirect(`/admin/issues/${week}?done=${code}`, 303);
  }

  /** The issue page again, with the refusal on top (or JSON for scripts). */
  async function refused(req: FastifyRequest, reply: FastifyReply, week: string, err: IssueError, extra: { testAddress?: string } = {}) {
    const status = err instanceof QualityGateError || /address/.test(err.message) ? 422 : 409;
    const failures = err instanceof QualityGateError ? err.failures.map((f) => f.message) : undefined;
    if (wantsJson(req)) return reply.status(status).send({ ok: false, error: err.message, failures });
    const data = await loadIssuePage(app, week, 'desktop');
    if (!data) return reply.status(404).type('text/plain; charset=utf-8').send(err.message);
    data.flash = failures
      ? { kind: 'error', title: 'Not approved: the email fails the quality gate.', items: failures }
      : { kind: 'error', title: err.message };
    data.testAddress = extra.testAddress;
    return reply.status(status).type('text/html; charset=utf-8').send(documentHtml(createElement(IssuePage, { d: data, csrf: csrfToken(reply) })));
  }

  /** Runs an action on the :week of the URL; IssueErrors become a refusal page, anything else a 500. */
  function action(path: string, run: (week: string, body: Body, req: FastifyRequest) => Promise<string>, extra?: (body: Body) => { testAddress?: string }) {
    admin.post(path, async (req, reply) => {
      const week = weekParam(req);
      if (!week) return reply.status(404).type('text/plain; charset=utf-8').send('unknown week');
      const body = (req.body ?? {}) as Body;
      try {
        return await done(req, reply, week, await run(week, body, req));
      } catch (err) {
        if (err instanceof IssueError) return refused(req, reply, week, err, extra?.(body));
        throw err;
      }
    });
  }

  // Plan a week from the list: an existing plan is opened as it is.
  admin.post('/issues', async (req, reply) => {
    const week = str(((req.body ?? {}) as Body).week, 10);
    if (!/^\d{4}-W\d{2}$/.test(week)) return reply.status(422).type('text/plain; charset=utf-8').send('enter a week as YYYY-Www, e.g. 2026-W47');
    if (!validWeek(week)) return reply.status(422).type('text/plain; charset=utf-8').send(`there is no week ${week}`);
    if (await findIssue(app.db, week)) return done(req, reply, week, 'opened');
    try {
      await replanWeek(app.db, app.log, week, null, composeOpts);
    } catch (err) {
      if (err instanceof IssueError) return reply.status(409).type('text/plain; charset=utf-8').send(err.message);
      throw err;
    }
    return done(req, reply, week, 'planned');
  });

  action('/issues/:week/replan', async (week, body) => {
    const mode = str(body.mode);
    let change: PlanChange;
    if (mode === 'fresh') change = { kind: 'fresh' };
    else if (mode === 'exclude' || mode === 'pin') change = { kind: mode, pair: [toolId(body.a), toolId(body.b)] };
    else throw new IssueError('unknown re-plan mode');
    await replanWeek(app.db, app.log, week, change, composeOpts);
    return 'replanned';
  });

  action('/issues/:week/render', async (week) => {
    const r = await rerenderWeek(app.db, app.log, week, composeOpts);
    return r.approvalRevoked ? 'rendered-unapproved' : 'rendered';
  });

  action(
    '/issues/:week/test',
    async (week, body, req) => {
      const deps = { db: app.db, mailer: app.mailer, gate: app.sendGate, sendRate: app.config.sendRate, log: app.log, emailFrom: app.config.emailFrom, publicUrl: app.config.publicUrl, tokenSecret: app.config.tokenSecret };
      await sendTestEmail(deps, week, body.to, req.admin?.name ?? 'editor');
      return 'test-sent';
    },
    (body) => ({ testAddress: str(body.to, 254) }),
  );

  action('/issues/:week/approve', async (week, _body, req) => {
    await approveWithGate(app.db, app.log, week, req.admin?.name ?? 'editor', app.config);
    // Approved after this week's slot but before its cut-off: the send starts now.
    const now = new Date();
    const slot = scheduledSlot(week, app.config.scheduleCron, app.config.scheduleTz, now);
    if (await afterApproval(scheduleDeps(app), week, slot, now)) return 'approved-sending';
    // Past the cut-off the schedule sends nothing for this week: say so rather than promise the slot.
    return slot && now.getTime() > slot.getTime() + LATE_CUTOFF_MS ? 'approved-late' : 'approved';
  });

  action('/issues/:week/hold', async (week, body, req) => {
    await holdWeek(app.db, app.log, week, str(body.reason) || `held by ${req.admin?.name ?? 'an editor'}`);
    return 'held';
  });

  action('/issues/:week/cancel', async (week, body, req) => {
    if (body.confirm !== 'yes') throw new IssueError('tick “yes, cancel it” to cancel the issue');
    await cancelWeek(app.db, app.log, week, str(body.reason) || `cancelled by ${req.admin?.name ?? 'an editor'}`);
    return 'cancelled';
  });
}
