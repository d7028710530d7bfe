// /admin: the editors' pages. Everything here answers only to ADMIN_TOKEN (bearer, basic-auth password or
// the login cookie); every action is a POST checked against cross-site requests (Origin / Sec-Fetch-Site)
// and, unless it carries a bearer token, a CSRF token (admin/gate.ts, for every route in this context).
// Pages are JSX rendered on the server and work without JavaScript. The queue dashboard (bull-board) sits at /admin/queues behind the same gate.
import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { createElement } from 'react';
import type { App } from '../../app.js';
import { deliveryCounts } from '../../delivery/ledger.js';
import { QUEUE_ROLES } from '../../queue/jobs.js';
import { adminActions } from '../admin/actions.js';
import { ADMIN_CSS, ADMIN_JS } from '../admin/assets.js';
import { adminGate, adminPage, wantsHtml } from '../admin/gate.js';
import { ErrorPage, IssuesPage, OutboxMessagePage, OutboxPage } from '../admin/pages.js';
import { catalogRoutes } from '../admin/catalog-routes.js';
import { progressOf, type ProgressIssue } from '../admin/results.js';
import { csrfToken, loadIssuePage, weekParam } from '../admin/load.js';
import { IssuePage, type PreviewView } from '../admin/issue-page.js';
import { listIssuesWithCounts, outboxMessage, outboxPage, readerCounts } from '../admin/queries.js';
import { issueQuality } from '../../issues/approval.js';
import { findIssue } from '../../issues/repo.js';
import { isoWeekOf } from '../../issues/week.js';

const page = adminPage;

/** An email as a frame document: links open in a new tab instead of inside the admin. */
function emailDocument(html: string): string {
  return /<head[^>]*>/i.test(html) ? html.replace(/<head([^>]*)>/i, '<head$1><base target="_blank">') : `<base target="_blank">${html}`;
}

// progress.json's issue: its state and times, not its stored render (tens of KB per poll).
const PROGRESS_ISSUE = `SELECT id, state, send_started_at, sent_at FROM issues WHERE week = $1`;

export async function adminRoutes(f: FastifyInstance, app: App): Promise<void> {
  await f.register(
    async (admin) => {
      await adminGate(admin, app);

      admin.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status >= 500) app.log.error({ err: err.message, url: req.url }, 'admin request failed');
        const message = status >= 500 ? 'Something went wrong on our side; the log has the details.' : status === 403 ? `Refused: ${err.message}. Reload the page and try again.` : err.message;
        if (!wantsHtml(req) || !req.admin) return reply.status(status).type('text/plain; charset=utf-8').send(message);
        return page(reply, createElement(ErrorPage, { csrf: csrfToken(reply), status, message }), status);
      });

      admin.get('/assets/admin.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(ADMIN_CSS));
      admin.get('/assets/admin.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(ADMIN_JS));

      admin.get('/', async (req, reply) => {
        const before = (req.query as { before?: string }).before;
        const cursor = before && /^\d{4}-W\d{2}$/.test(before) ? before : null;
        const issues = await listIssuesWithCounts(app.db, cursor, 30);
        return page(
          reply,
          createElement(IssuesPage, {
            csrf: csrfToken(reply),
            issues,
            readers: await readerCounts(app.db),
            olderThan: issues.length === 30 ? issues[issues.length - 1]!.week : null,
            facts: {
              mailer: app.mailer.name,
              requireApproval: app.config.requireApproval,
              schedule: `“${app.config.scheduleCron}” ${app.config.scheduleTz}`,
              queues: app.queues.kind === 'redis' ? 'Redis' : 'PostgreSQL',
              mailingAddressIsPlaceholder: app.config.mailingAddressIsPlaceholder,
              currentWeek: isoWeekOf(new Date(), app.config.scheduleTz),
            },
          }),
        );
      });

      admin.get('/issues/:week', async (req, reply) => {
        const week = weekParam(req);
        const v = (req.query as { view?: string }).view;
        const view: PreviewView = v === 'phone' || v === 'text' ? v : 'desktop';
        const data = week ? await loadIssuePage(app, week, view) : null;
        if (!data) return page(reply, createElement(ErrorPage, { csrf: csrfToken(reply), status: 404, message: `No issue for ${week ?? 'that week'}: plan it from the issue list.` }), 404);
        const done = (req.query as { done?: string }).done;
        if (done && DONE[done]) data.flash = { kind: 'ok', title: DONE[done]!.replace('<week>', data.issue.week) };
        return page(reply, createElement(IssuePage, { d: data, csrf: csrfToken(reply) }));
      });

      // The stored render as one reader (id 0, nobody) gets it, for the preview frames.
      admin.get('/issues/:week/email.html', { config: { csp: 'email' } }, async (req, reply) => {
        const week = weekParam(req);
        const issue = week ? await findIssue(app.db, week) : null;
        if (!issue?.html) return reply.status(404).type('text/plain; charset=utf-8').send('not rendered');
        const report = await issueQuality(app.db, issue, app.config);
        return reply.type('text/html; charset=utf-8').send(emailDocument(report.sample.html));
      });

      // Polled every 2 s by an open issue page: the issue's state and times (not its stored render) and its
      // counters, two index reads. A sent issue's figures never change again: the browser may keep them.
      admin.get('/issues/:week/progress.json', async (req, reply) => {
        const week = weekParam(req);
        const issue = week ? (await app.db.query<ProgressIssue>(PROGRESS_ISSUE, [week])).rows[0] : undefined;
        if (!issue) return reply.status(404).send({ error: 'no such issue' });
        if (issue.state === 'sent') reply.header('cache-control', 'private, max-age=86400, immutable');
        return progressOf(issue, await deliveryCounts(app.db, issue.id));
      });

      admin.get('/outbox', async (req, reply) => {
        const before = Number((req.query as { before?: string }).before);
        const rows = await outboxPage(app.db, Number.isSafeInteger(before) && before > 0 ? before : null, 50);
        return page(reply, createElement(OutboxPage, { csrf: csrfToken(reply), rows, olderThan: rows.length === 50 ? rows[rows.length - 1]!.id : null, mailer: app.mailer.name }));
      });
      admin.get('/outbox/:id', async (req, reply) => {
        const id = Number((req.params as { id: string }).id);
        const m = Number.isSafeInteger(id) && id > 0 ? await outboxMessage(app.db, id) : null;
        if (!m) return page(reply, createElement(ErrorPage, { csrf: csrfToken(reply), status: 404, message: 'No such message in the outbox.' }), 404);
        const view = (req.query as { view?: string }).view === 'text' ? 'text' : 'html';
        return page(reply, createElement(OutboxMessagePage, { csrf: csrfToken(reply), m, view }));
      });
      admin.get('/outbox/:id/html', { config: { csp: 'email' } }, async (req, reply) => {
        const id = Number((req.params as { id: string }).id);
        const m = Number.isSafeInteger(id) && id > 0 ? await outboxMessage(app.db, id) : null;
        if (!m) return reply.status(404).type('text/plain; charset=utf-8').send('no such message');
        return reply.type('text/html; charset=utf-8').send(emailDocument(m.html));
      });

      await adminActions(admin, app);
      await catalogRoutes(admin, app, page);

      // bull-board over the app's own queues, on whichever backend they run.
      const board = new FastifyAdapter();
      board.setBasePath('/admin/queues');
      createBullBoard({
        queues: QUEUE_ROLES.map((role) => new BullMQAdapter(app.queue(role))),
        // @bull-board/fastify 9.10.1 carries its own copy of @bull-board/api (9.10.1, ours is 9.10.2): the same
        // interface, declared twice, so the types need telling.
        serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
        options: { uiConfig: { boardTitle: 'Verdicts queues' } },
      });
      await admin.register(board.registerPlugin() as Parameters<FastifyInstance['register']>[0], { prefix: '/queues' });
    },
    { prefix: '/admin' },
  );
}

/** Messages after a successful action (?done=…): fixed texts, never echoed input. */
export const DONE: Record<string, string> = {
  planned: 'Planned and rendered.',
  replanned: 'Re-planned and rendered: check the pairs and the email again.',
  rendered: 'Rendered again with today’s figures.',
  'rendered-unapproved': 'Rendered again: the content changed, so the approval was withdrawn. Approve it again when it looks right.',
  'test-sent': 'Test sent: see “Recent test sends”.',
  approved: 'Approved: it goes out at the scheduled slot.',
  'approved-sending': 'Approved after the scheduled slot: the send starts now.',
  'approved-late': 'Approved. This week’s scheduled slot and its cut-off have passed, so nothing goes out by itself: run “npx verdicts send --week <week>” to send it now.',
  held: 'Held: the scheduled send will not go out until it is approved.',
  cancelled: 'Cancelled: this issue will not be sent.',
};
