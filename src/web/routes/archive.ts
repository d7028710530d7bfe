// GET /issues lists the issues that went out; GET /issues/:week shows one as sent, with no reader's links.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { archivedIssueHtml, issueComparisons, listArchive } from '../../issues/archive.js';
import { isoWeekLabel } from '../../issues/week.js';
import { ArchiveListPage, archiveBanner, archiveHeadMarkup, withBanner, withHead } from '../pages/archive.js';
import { NotFoundPage } from '../pages/messages.js';
import { NEWSLETTER } from '../pages/layout.js';
import { sendPage, siteOf } from '../respond.js';

const CACHE = 'public, max-age=300';

export async function archiveRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);

  f.get('/issues', async (_req, reply) => {
    reply.header('cache-control', CACHE);
    return sendPage(reply, 200, ArchiveListPage, { site, issues: await listArchive(app.db) });
  });

  f.get<{ Params: { week: string } }>('/issues/:week', async (req, reply) => {
    const issue = await archivedIssueHtml(app.db, req.params.week, app.config.publicUrl);
    if (!issue) {
      const what = /^\d{4}-W\d{2}$/.test(req.params.week)
        ? 'There is no sent issue for that week. The archive lists every issue that went out.'
        : 'Archive addresses look like /issues/2026-W47 (the year and the ISO week).';
      return sendPage(reply, 404, NotFoundPage, { site, what });
    }
    const banner = archiveBanner(isoWeekLabel(issue.week), await issueComparisons(app.db, issue.id));
    const head = archiveHeadMarkup({ site, title: issue.subject, description: issue.preheader ?? `${isoWeekLabel(issue.week)} of ${NEWSLETTER}.`, path: `/issues/${issue.week}`, type: 'article' });
    return reply.header('cache-control', CACHE).type('text/html; charset=utf-8').send(withHead(withBanner(issue.html, banner), head));
  });
}
