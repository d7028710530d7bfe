// /admin/catalog: list, tool form, reviews, reviewer panel, download and upload. Every POST is CSRF- and
// cross-site-checked by the admin plugin; a refused form comes back (422) with its values and a message per
// field; a saved one redirects (303) to the page that shows the change.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createElement, type ReactElement } from 'react';
import type { App } from '../../app.js';
import { auditOfPanel, auditOfTool } from '../../catalog/audit.js';
import { REVIEWER_FIELDS, saveReview, saveReviewer, saveTool, setReviewerRetired, setToolRetired, TOOL_FIELDS, type FormValues } from '../../catalog/edit.js';
import { exportCatalog } from '../../catalog/export.js';
import { uploadRoutes } from './catalog-upload.js';
import { catalogRow, catalogRows, categories, panel, reviewsOfTool } from '../../catalog/listing.js';
import { catalogForecast, runwayWarning } from '../../catalog/runway.js';
import { SLUG_PATTERN } from '../../catalog/schema.js';
import { emptyForm, type FormState } from './catalog-form.js';
import { CatalogPage, ReviewersPage, type Notice } from './catalog-pages.js';
import { csrfToken } from './load.js';
import { CalendarPage } from './calendar-page.js';
import { planCalendar } from '../../catalog/calendar.js';
import { isoWeekOf } from '../../issues/week.js';
import { ToolPage, type ToolPageData } from './tool-page.js';
import { replanWithoutRetired, retiredInPlan } from '../../issues/retired-tools.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The short-runway warning for this admin page, or null. */
    runwayBanner?: string | null;
  }
}

type Page = (reply: FastifyReply, element: ReactElement, status?: number) => FastifyReply;

/** Only the named fields, only as strings: anything else a form sends is dropped. */
function formValues(body: unknown, fields: readonly string[]): FormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: FormValues = {};
  for (const f of fields) if (typeof b[f] === 'string') out[f] = b[f] as string;
  return out;
}

const slugParam = (req: FastifyRequest) => {
  const slug = (req.params as { slug?: string }).slug ?? '';
  return SLUG_PATTERN.test(slug) ? slug : null;
};

const DONE: Record<string, string> = {
  created: 'Tool added. Add its reviews below: it is paired from 4 on.',
  saved: 'Saved.',
  review: 'Review saved.',
  retired: 'Retired: it will not be planned again.',
  restored: 'Back in the catalog: the planner may pair it again.',
  reviewer: 'Reviewer saved.',
  imported: 'Catalog file applied: every change is in the tools’ change lists.',
};

const doneNotice = (req: FastifyRequest): Notice | undefined => {
  const { done, replanned } = req.query as { done?: string; replanned?: unknown };
  if (!done || !DONE[done]) return undefined;
  const weeks = typeof replanned === 'string' ? replanned.split(',').filter((w) => /^\d{4}-W\d{2}$/.test(w)).slice(0, 20) : [];
  return { kind: 'ok', title: weeks.length ? `${DONE[done]!} Re-planned without it: ${weeks.join(', ')}.` : DONE[done]! };
};

export async function catalogRoutes(admin: FastifyInstance, app: App, page: Page): Promise<void> {
  const actor = (req: FastifyRequest) => req.admin?.name ?? 'editor';
  const forecastOpts = { pairsPerIssue: app.config.pairsPerIssue, timeZone: app.config.scheduleTz };
  const composeOpts = { publicUrl: app.config.publicUrl, mailingAddress: app.config.mailingAddress, pairsPerIssue: app.config.pairsPerIssue };

  // Every signed-in admin page shows the short-runway warning: read it before the handler renders.
  admin.addHook('preHandler', async (req) => {
    if (req.method !== 'GET' || !req.admin || req.url.startsWith('/admin/queues') || req.url.startsWith('/admin/assets/')) return;
    if (!/text\/html/.test(req.headers.accept ?? '')) return;
    req.runwayBanner = runwayWarning((await catalogForecast(app.db, forecastOpts)).runway);
  });

  admin.get('/catalog', async (req, reply) => {
    const q = req.query as { category?: unknown; q?: unknown };
    const filter = { category: typeof q.category === 'string' ? q.category : '', q: typeof q.q === 'string' ? q.q.trim().slice(0, 80) : '' };
    const [rows, cats, forecast] = [await catalogRows(app.db, { category: filter.category, search: filter.q }), await categories(app.db), await catalogForecast(app.db, forecastOpts)];
    return page(reply, createElement(CatalogPage, { csrf: csrfToken(reply), rows, categories: cats, filter, runway: forecast.runway, flash: doneNotice(req) }));
  });

  async function toolPage(reply: FastifyReply, slug: string | null, parts: Partial<ToolPageData> = {}, status = 200) {
    const tool = slug ? await catalogRow(app.db, slug) : null;
    if (slug && !tool) return page(reply, createElement(ToolPage, { csrf: csrfToken(reply), d: await missing(slug) }), 404);
    const d: ToolPageData = {
      tool,
      form: parts.form ?? emptyForm(tool ? formValues({ ...tool, url: tool.url ?? '' }, TOOL_FIELDS) : {}),
      reviewForm: parts.reviewForm ?? emptyForm(),
      reviews: tool ? await reviewsOfTool(app.db, tool.id) : [],
      panel: await panel(app.db),
      audit: tool ? await auditOfTool(app.db, tool.id) : [],
      inPlan: tool?.retired_at ? await retiredInPlan(app.db, { toolId: tool.id }) : [],
      flash: parts.flash,
    };
    return page(reply, createElement(ToolPage, { csrf: csrfToken(reply), d }), status);
  }
  const missing = async (slug: string): Promise<ToolPageData> => ({
    tool: null,
    form: { values: {}, errors: { form: `No tool "${slug}" in the catalog: add it here.` } },
    reviewForm: emptyForm(),
    reviews: [],
    panel: [],
    audit: [],
    inPlan: [],
  });

  admin.get('/catalog/tools/new', (_req, reply) => toolPage(reply, null));
  admin.post('/catalog/tools', async (req, reply) => {
    const values = formValues(req.body, TOOL_FIELDS);
    const r = await saveTool(app.db, actor(req), values);
    if (!r.ok) return toolPage(reply, null, { form: { values, errors: r.errors } }, 422);
    return reply.redirect(`/admin/catalog/tools/${r.slug}?done=created`, 303);
  });

  admin.get('/catalog/tools/:slug', async (req, reply) => {
    const slug = slugParam(req);
    if (!slug) return toolPage(reply, 'x', {}, 404);
    const reviewer = (req.query as { reviewer?: unknown }).reviewer;
    let reviewForm: FormState | undefined;
    if (typeof reviewer === 'string') {
      const tool = await catalogRow(app.db, slug);
      const existing = tool ? (await reviewsOfTool(app.db, tool.id)).find((r) => r.reviewer === reviewer) : undefined;
      reviewForm = emptyForm(existing ? { reviewer, verdict: existing.verdict, quote: existing.quote } : { reviewer });
    }
    return toolPage(reply, slug, { reviewForm, flash: doneNotice(req) });
  });
  admin.post('/catalog/tools/:slug', async (req, reply) => {
    const slug = slugParam(req);
    const values = formValues(req.body, TOOL_FIELDS.filter((f) => f !== 'slug'));
    const r = slug ? await saveTool(app.db, actor(req), values, slug) : { ok: false as const, errors: { form: 'no such tool' } };
    if (!r.ok) return toolPage(reply, slug, { form: { values, errors: r.errors } }, 422);
    return reply.redirect(`/admin/catalog/tools/${r.slug}?done=saved`, 303);
  });
  admin.post('/catalog/tools/:slug/retire', async (req, reply) => {
    const slug = slugParam(req);
    const retired = (req.body as { retired?: unknown } | undefined)?.retired !== '0';
    if (!slug || !(await setToolRetired(app.db, actor(req), slug, retired))) return toolPage(reply, slug ?? 'x', {}, 404);
    // Weeks nobody approved yet are re-planned without it; approved and held ones are warned about (the tool page).
    const replanned = retired ? await replanWithoutRetired(app.db, app.log, actor(req), composeOpts) : [];
    const weeks = replanned.length ? `&replanned=${replanned.map((r) => r.week).join(',')}` : '';
    return reply.redirect(`/admin/catalog/tools/${slug}?done=${retired ? 'retired' : 'restored'}${weeks}`, 303);
  });
  admin.post('/catalog/tools/:slug/reviews', async (req, reply) => {
    const slug = slugParam(req);
    const values = formValues(req.body, ['reviewer', 'verdict', 'quote']);
    if (!slug) return toolPage(reply, 'x', {}, 404);
    const r = await saveReview(app.db, actor(req), slug, values);
    if (!r.ok) return toolPage(reply, slug, { reviewForm: { values, errors: r.errors } }, r.errors.form ? 404 : 422);
    return reply.redirect(`/admin/catalog/tools/${slug}?done=review#reviews-h`, 303);
  });

  async function reviewersPage(reply: FastifyReply, parts: { form?: FormState; editing?: { slug: string; form: FormState }; flash?: Notice } = {}, status = 200) {
    return page(reply, createElement(ReviewersPage, { csrf: csrfToken(reply), panel: await panel(app.db), audit: await auditOfPanel(app.db), form: parts.form ?? emptyForm(), editing: parts.editing, flash: parts.flash }), status);
  }
  admin.get('/catalog/reviewers', (req, reply) => reviewersPage(reply, { flash: doneNotice(req) }));
  admin.post('/catalog/reviewers', async (req, reply) => {
    const values = formValues(req.body, REVIEWER_FIELDS);
    const r = await saveReviewer(app.db, actor(req), values);
    if (!r.ok) return reviewersPage(reply, { form: { values, errors: r.errors } }, 422);
    return reply.redirect('/admin/catalog/reviewers?done=reviewer', 303);
  });
  admin.post('/catalog/reviewers/:slug', async (req, reply) => {
    const slug = slugParam(req);
    const values = formValues(req.body, ['name', 'role']);
    const r = slug ? await saveReviewer(app.db, actor(req), values, slug) : { ok: false as const, errors: { form: 'no such reviewer' } };
    if (!r.ok) return reviewersPage(reply, { editing: { slug: slug ?? '', form: { values, errors: r.errors } } }, r.errors.form ? 404 : 422);
    return reply.redirect('/admin/catalog/reviewers?done=reviewer', 303);
  });
  admin.post('/catalog/reviewers/:slug/retire', async (req, reply) => {
    const slug = slugParam(req);
    const retired = (req.body as { retired?: unknown } | undefined)?.retired !== '0';
    if (!slug || !(await setReviewerRetired(app.db, actor(req), slug, retired))) return reviewersPage(reply, { flash: { kind: 'error', title: 'No such reviewer.' } }, 404);
    return reply.redirect('/admin/catalog/reviewers?done=reviewer', 303);
  });

  admin.get('/calendar', async (_req, reply) => {
    const fromWeek = isoWeekOf(new Date(), app.config.scheduleTz);
    const { weeks, runway } = await planCalendar(app.db, { fromWeek, weeks: 6, pairsPerIssue: app.config.pairsPerIssue });
    return page(reply, createElement(CalendarPage, { csrf: csrfToken(reply), weeks, runway }));
  });

  await uploadRoutes(admin, app, page, actor, (req) => replanWithoutRetired(app.db, app.log, actor(req), composeOpts));

  admin.get('/catalog/export.json', async (_req, reply) => {
    const body = JSON.stringify(await exportCatalog(app.db), null, 2) + '\n';
    return reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="catalog.json"').send(body);
  });
}
