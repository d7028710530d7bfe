// /admin/catalog through HTTP on a real Postgres: the same token gate, cross-site and CSRF rules as the rest
// of /admin; refused forms (422) naming the field and keeping the values, with nothing stored; audit rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness, TEST_ADMIN_TOKEN as TOKEN } from '../support/harness.js';
import { buildServer } from '../../src/web/server.js';
import { exportCatalog } from '../../src/catalog/export.js';
import { plannableTools } from '../../src/catalog/planner-input.js';
import { nextWeek } from '../../src/catalog/runway.js';
import { planWeek } from '../../src/issues/plan.js';
import { isoWeekOf } from '../../src/issues/week.js';

const bearer = { authorization: `Bearer ${TOKEN}`, accept: 'text/html' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { ...bearer, 'content-type': 'application/x-www-form-urlencoded' };

/** Posts a file to the upload form as a browser does (multipart/form-data). */
function upload(content: string | Uint8Array<ArrayBuffer>, name = 'catalog.json') {
  const fields = new FormData();
  fields.set('step', 'check');
  fields.set('file', new Blob([content], { type: 'application/json' }), name);
  return web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: fields });
}

/** The fields of the page's confirm form ("Apply the file"), as the browser would send them. */
function confirmFields(html: string): FormData {
  const formHtml = /<form[^>]*aria-label="Apply the file"[^>]*>([\s\S]*?)<\/form>/.exec(html)![1]!;
  const fields = new FormData();
  for (const m of formHtml.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1]!, unescapeHtml(m[2]!));
  const text = /<textarea name="catalog"[^>]*>([\s\S]*?)<\/textarea>/.exec(formHtml)![1]!;
  fields.set('catalog', unescapeHtml(text));
  return fields;
}

const unescapeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

let h: Harness;
let web: FastifyInstance;

const TOOL = { slug: 'deep-scribe', name: 'Deep Scribe', category: 'Research Agents', tagline: 'Writes the literature review.', description: 'Reads papers, drafts a review.', pricing: 'Paid', url: 'https://deep-scribe.example.org' };

async function stored() {
  const { rows } = await h.app.db.query(`SELECT (SELECT count(*) FROM tools)::int AS tools, (SELECT count(*) FROM reviews)::int AS reviews, (SELECT count(*) FROM reviewers)::int AS reviewers, (SELECT count(*) FROM catalog_audit)::int AS audit`);
  return rows[0];
}

beforeAll(async () => {
  h = await createHarness({ backend: 'redis' });
  web = await buildServer(h.app);
});
afterAll(async () => {
  await web?.close();
  await h?.close();
});

describe('/admin/catalog over HTTP', () => {
  it('serves the runway as a gauge in /metrics', async () => {
    const res = await web.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.body).toMatch(/^verdicts_catalog_runway_weeks 15$/m);
  });

  it('answers only to the admin token, and refuses cross-site or CSRF-less posts without storing anything', async () => {
    const before = await stored();
    expect((await web.inject({ url: '/admin/catalog', headers: { accept: 'text/html' } })).statusCode).toBe(401);
    expect((await web.inject({ method: 'POST', url: '/admin/catalog/tools', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(TOOL) })).statusCode).toBe(401);

    const login = await web.inject({ method: 'POST', url: '/admin/login', payload: { token: TOKEN, next: '/admin/catalog' } });
    const cookie = { verdicts_admin: login.cookies.find((c) => c.name === 'verdicts_admin')!.value };
    const noCsrf = await web.inject({ method: 'POST', url: '/admin/catalog/tools', cookies: cookie, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(TOOL) });
    expect(noCsrf.statusCode).toBe(403);
    const crossSite = await web.inject({ method: 'POST', url: '/admin/catalog/tools', headers: { ...formHeaders, origin: 'https://evil.example' }, payload: form(TOOL) });
    expect(crossSite.statusCode).toBe(403);
    expect(await stored()).toEqual(before);

    const list = await web.inject({ url: '/admin/catalog?category=Research+Agents&q=gpt', cookies: cookie, headers: { accept: 'text/html' } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('GPT Researcher');
    expect(list.body).not.toContain('NotebookLM');
  });

  it('refuses bad tools and reviews at the field, keeping the values, storing nothing', async () => {
    const before = await stored();
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ ...TOOL, name: '  ' }, 'name', 'expected a non-empty string'],
      [{ ...TOOL, slug: 'cursor' }, 'slug', '&quot;cursor&quot; is already used by Cursor'],
      [{ ...TOOL, url: 'javascript:alert(1)' }, 'url', 'expected an absolute http(s) URL'],
      [{ ...TOOL, url: 'ftp://deep-scribe.example.org' }, 'url', 'expected an absolute http(s) URL'],
      [{ ...TOOL, tagline: 'x'.repeat(161) }, 'tagline', 'longer than 160 characters'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await web.inject({ method: 'POST', url: '/admin/catalog/tools', headers: formHeaders, payload: form(fields) });
      expect(res.statusCode, field).toBe(422);
      expect(res.body).toContain(`<small id="f-${field}-error" class="error">${message}</small>`);
      expect(res.body, 'the description typed is kept').toContain('Reads papers, drafts a review.</textarea>');
      // A refused address is shown back in the field's value only, never as a link.
      expect(res.body).not.toMatch(/href="(?:javascript|ftp):/);
    }
    const badReviews: Array<[Record<string, string>, string, string]> = [
      [{ reviewer: 'nobody-here', verdict: 'ship', quote: 'Fine.' }, 'reviewer', 'no reviewer &quot;nobody-here&quot; on the panel'],
      [{ reviewer: 'priya-raman', verdict: 'ship', quote: 'q'.repeat(1201) }, 'quote', 'longer than 1200 characters'],
      [{ reviewer: 'priya-raman', verdict: 'maybe', quote: 'Fine.' }, 'verdict', 'expected &quot;ship&quot; or &quot;skip&quot;'],
    ];
    for (const [fields, field, message] of badReviews) {
      const res = await web.inject({ method: 'POST', url: '/admin/catalog/tools/cursor/reviews', headers: formHeaders, payload: form(fields) });
      expect(res.statusCode, field).toBe(422);
      expect(res.body).toContain(`<small id="r-${field}-error" class="error">${message}</small>`);
    }
    expect(await stored()).toEqual(before);
    // Not even a write around the forms stores a non-http address: the database refuses it too.
    await expect(h.app.db.query(`UPDATE tools SET url = 'javascript:alert(1)' WHERE slug = 'cursor'`)).rejects.toThrow(/tools_url_http/);
  });

  it('stores a tool, its review and its retirement with who and when, shown on the tool page', async () => {
    const created = await web.inject({ method: 'POST', url: '/admin/catalog/tools', headers: formHeaders, payload: form(TOOL) });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/admin/catalog/tools/deep-scribe?done=created');
    const changed = await web.inject({ method: 'POST', url: '/admin/catalog/tools/deep-scribe', headers: formHeaders, payload: form({ ...TOOL, tagline: 'Drafts the literature review.' }) });
    expect(changed.statusCode).toBe(303);
    const review = await web.inject({ method: 'POST', url: '/admin/catalog/tools/deep-scribe/reviews', headers: formHeaders, payload: form({ reviewer: 'priya-raman', verdict: 'ship', quote: 'Saved me a week.' }) });
    expect(review.statusCode).toBe(303);
    const retired = await web.inject({ method: 'POST', url: '/admin/catalog/tools/deep-scribe/retire', headers: formHeaders, payload: form({ retired: '1' }) });
    expect(retired.statusCode).toBe(303);

    const { rows } = await h.app.db.query(`SELECT a.actor, a.action, a.detail FROM catalog_audit a JOIN tools t ON t.id = a.tool_id WHERE t.slug = 'deep-scribe' ORDER BY a.id`);
    expect(rows.map((r) => `${r.actor}: ${r.action}`)).toEqual(['api: tool created', 'api: tool changed', 'api: review added', 'api: tool retired']);
    expect(rows[1].detail).toEqual({ tagline: ['Writes the literature review.', 'Drafts the literature review.'] });

    const page = await web.inject({ url: '/admin/catalog/tools/deep-scribe', headers: bearer });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<b>api<\/b> · tool retired/);
    expect(page.body).toContain('Needs 3 more reviews before the planner pairs it');
    // Retired: never planned again, still in the catalog (and its export).
    expect((await plannableTools(h.app.db)).map((t) => t.slug)).not.toContain('deep-scribe');
    expect((await exportCatalog(h.app.db)).tools.find((t) => t.slug === 'deep-scribe')).toMatchObject({ retired: true, tagline: 'Drafts the literature review.' });
  });

  it('retires a reviewer and brings them back, audited once per change; an unknown reviewer is a 404', async () => {
    const added = await web.inject({ method: 'POST', url: '/admin/catalog/reviewers', headers: formHeaders, payload: form({ slug: 'sam-okafor', name: 'Sam Okafor', role: 'Staff engineer' }) });
    expect(added.statusCode).toBe(303);
    const retire = (slug: string, retired: string) => web.inject({ method: 'POST', url: `/admin/catalog/reviewers/${slug}/retire`, headers: formHeaders, payload: form({ retired }) });
    for (const r of ['1', '1', '0']) expect((await retire('sam-okafor', r)).statusCode).toBe(303);
    const { rows } = await h.app.db.query(`SELECT a.action, r.retired_at FROM catalog_audit a JOIN reviewers r ON r.id = a.reviewer_id WHERE r.slug = 'sam-okafor' ORDER BY a.id`);
    // Retiring an already retired reviewer changes nothing and writes no row.
    expect(rows.map((r) => r.action)).toEqual(['reviewer added', 'reviewer retired', 'reviewer back on the panel']);
    expect(rows[0].retired_at).toBeNull();
    const before = await stored();
    expect((await retire('nobody-here', '1')).statusCode).toBe(404);
    expect(await stored()).toEqual(before);
  });

  it('stores every change to the reviewer panel with who and when, shown on the panel page', async () => {
    const add = await web.inject({ method: 'POST', url: '/admin/catalog/reviewers', headers: formHeaders, payload: form({ slug: 'ada-lovelace', name: 'Ada Lovelace', role: 'Analyst' }) });
    expect(add.statusCode).toBe(303);
    const change = await web.inject({ method: 'POST', url: '/admin/catalog/reviewers/ada-lovelace', headers: formHeaders, payload: form({ name: 'Ada Lovelace', role: 'Chief analyst' }) });
    expect(change.statusCode).toBe(303);
    const retire = await web.inject({ method: 'POST', url: '/admin/catalog/reviewers/ada-lovelace/retire', headers: formHeaders, payload: form({ retired: '1' }) });
    expect(retire.statusCode).toBe(303);
    const { rows } = await h.app.db.query(`SELECT a.actor, a.action, a.detail FROM catalog_audit a JOIN reviewers p ON p.id = a.reviewer_id WHERE p.slug = 'ada-lovelace' ORDER BY a.id`);
    expect(rows.map((r) => `${r.actor}: ${r.action}`)).toEqual(['api: reviewer added', 'api: reviewer changed', 'api: reviewer retired']);
    expect(rows[1].detail).toEqual({ role: ['Analyst', 'Chief analyst'] }); // only what changed
    const page = await web.inject({ url: '/admin/catalog/reviewers', headers: bearer });
    const changes = /<h2 id="panel-audit-h">[\s\S]*?<\/section>/.exec(page.body)![0];
    const items = [...changes.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
    expect(items[0]).toMatch(/UTC · api · reviewer retired: Ada Lovelace ada-lovelace$/);
    expect(items[1]).toContain('api · reviewer changed: Ada Lovelace ada-lovelace');
    expect(items[1]).toContain('role: “Analyst” → “Chief analyst”');
    expect(items[2]).toMatch(/api · reviewer added: Ada Lovelace/);
  });

  it('shows the next six weeks: the planned one as planned, the later ones as the planner would plan them today', async () => {
    const thisWeek = isoWeekOf(new Date());
    await planWeek(h.app.db, h.app.log, thisWeek, { pairsPerIssue: 2 });
    const res = await web.inject({ url: '/admin/calendar', headers: bearer });
    expect(res.statusCode).toBe(200);
    const weeks = [...res.body.matchAll(/<div class="cal-week"><h2>(?:<a [^>]*>)?(\d{4}-W\d{2})/g)].map((m) => m[1]);
    expect(weeks).toHaveLength(6);
    expect(weeks[0]).toBe(thisWeek);
    expect(res.body.match(/badge tentative/g)).toHaveLength(5);
    // What the calendar promises for next week is what planning it then gives.
    const next = nextWeek(thisWeek);
    const promised = new RegExp(`${next}.*?<ul>(.*?)</ul>`).exec(res.body)![1]!;
    const planned = await planWeek(h.app.db, h.app.log, next, { pairsPerIssue: 2 });
    const names = new Map((await exportCatalog(h.app.db)).tools.map((t) => [t.slug, t.name]));
    const slugs = new Map((await h.app.db.query('SELECT id::int, slug FROM tools')).rows.map((r) => [r.id, r.slug]));
    for (const c of planned.comparisons) {
      expect(promised).toContain(`<b>${names.get(slugs.get(c.tool_a_id))} vs ${names.get(slugs.get(c.tool_b_id))}</b>`);
    }
  });

  it('an uploaded file (multipart) is checked first (every problem, or the changes shown), then applied in one go', async () => {
    const before = await exportCatalog(h.app.db);
    const bad = await upload(JSON.stringify({ tools: [{ ...TOOL, slug: 'Bad Slug', url: 'javascript:x' }], reviews: [{ tool: 'nope', reviewer: 'priya-raman', verdict: 'ship', quote: 'q' }] }));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Not applied: 3 problems in catalog.json.');
    expect(bad.body).toContain('tools[0].slug: expected a slug');
    expect(bad.body).toContain('tools[0].url: expected an absolute http(s) URL');
    expect(bad.body).toMatch(/reviews\[0\]\.tool: [^<]*nope/);
    expect((await upload('{"tools": [')).body).toContain('catalog.json: not valid JSON (');
    expect((await upload('')).body).toContain('file: catalog.json is empty');
    expect((await upload(new Uint8Array([0xff, 0xfe, 0x00, 0x7b]))).body).toContain('file: catalog.json is not UTF-8 text');
    const huge = await upload(JSON.stringify({ tools: [], pad: 'x'.repeat(1024 * 1024) }));
    expect(huge.statusCode).toBe(422);
    expect(huge.body).toContain('file: catalog.json is larger than the 1 MiB limit');
    const twoFiles = new FormData();
    twoFiles.set('step', 'check');
    twoFiles.append('file', new Blob(['{}']), 'a.json');
    twoFiles.append('file', new Blob(['{}']), 'b.json');
    const two = await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: twoFiles });
    expect(two.statusCode).toBe(413);
    expect(two.body).toContain('file: send one catalog file at a time');
    expect(await exportCatalog(h.app.db)).toEqual(before);

    const file = { tools: [{ ...TOOL, slug: 'up-loaded', name: 'Up Loaded' }, { ...before.tools.find((t) => t.slug === 'cursor')!, tagline: 'Changed by upload.' }], reviews: [{ tool: 'up-loaded', reviewer: 'priya-raman', verdict: 'ship', quote: 'Good.' }] };
    const check = await upload(JSON.stringify(file));
    expect(check.statusCode).toBe(200);
    expect(check.body).toContain('What catalog.json changes');
    expect(check.body).toContain('tools: 1 added (up-loaded), 1 changed (cursor: tagline), 0 unchanged');
    expect(check.body).toContain('reviews: 1 added (up-loaded/priya-raman), 0 unchanged');
    expect(check.body).toMatch(/<form [^>]*aria-label="Apply the file"[^>]*enctype="multipart\/form-data"/i);
    expect(await exportCatalog(h.app.db)).toEqual(before);

    // The confirm step posts back what was checked and the fingerprint of the changes shown.
    const confirm = confirmFields(check.body);
    expect(confirm.get('step')).toBe('apply');
    expect(JSON.parse(confirm.get('catalog') as string)).toEqual(file);
    const apply = await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: confirm });
    expect(apply.statusCode).toBe(303);
    expect(apply.headers.location).toBe('/admin/catalog?done=imported');
    const after = await exportCatalog(h.app.db);
    expect(after.tools.find((t) => t.slug === 'cursor')!.tagline).toBe('Changed by upload.');
    const { rows } = await h.app.db.query(`SELECT a.actor, a.action FROM catalog_audit a JOIN tools t ON t.id = a.tool_id WHERE t.slug = 'up-loaded' ORDER BY a.id`);
    expect(rows).toEqual([{ actor: 'api (upload)', action: 'tool added by import' }, { actor: 'api (upload)', action: 'review added by import' }]);
  });

  it('applies nothing when the catalog changed between the check and the confirm', async () => {
    const check = await upload(JSON.stringify({ tools: [{ ...TOOL, slug: 'late-one', name: 'Late One' }] }));
    expect(check.statusCode).toBe(200);
    // Someone else adds the same tool meanwhile: the file would now change it, not add it.
    await web.inject({ method: 'POST', url: '/admin/catalog/tools', headers: formHeaders, payload: form({ ...TOOL, slug: 'late-one', name: 'Late One (by hand)' }) });
    const before = await exportCatalog(h.app.db);
    const apply = await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: confirmFields(check.body) });
    expect(apply.statusCode).toBe(422);
    expect(apply.body).toContain('the catalog changed since this file was checked');
    expect(await exportCatalog(h.app.db)).toEqual(before);
  });

  it('keeps the paste box as an alternative, and refuses a file and a paste together', async () => {
    const fields = new FormData();
    fields.set('step', 'check');
    fields.set('catalog', JSON.stringify({ tools: [{ ...TOOL, slug: 'pasted-one', name: 'Pasted One' }] }));
    const pasted = await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: fields });
    expect(pasted.statusCode).toBe(200);
    expect(pasted.body).toContain('What the pasted JSON changes');
    expect(pasted.body).toContain('tools: 1 added (pasted-one)');
    fields.set('file', new Blob(['{}']), 'x.json');
    const both = await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: fields });
    expect(both.statusCode).toBe(422);
    expect(both.body).toContain('file: choose a file or paste the JSON, not both');
    // Nothing at all chosen.
    const none = new FormData();
    none.set('step', 'check');
    none.set('file', new Blob([]), '');
    expect((await web.inject({ method: 'POST', url: '/admin/catalog/import', headers: bearer, payload: none })).body).toContain('file: choose a catalog file (.json) first');
  });

  it('checks the CSRF token of a multipart upload like any admin post: from the form field or a header', async () => {
    const login = await web.inject({ method: 'POST', url: '/admin/login', payload: { token: TOKEN, next: '/admin/catalog/import' } });
    const cookies = { verdicts_admin: login.cookies.find((c) => c.name === 'verdicts_admin')!.value };
    const pageRes = await web.inject({ url: '/admin/catalog/import', cookies, headers: { accept: 'text/html' } });
    const token = /name="_csrf" value="([^"]+)"/.exec(pageRes.body)![1]!;
    const body = (csrf?: string) => {
      const f = new FormData();
      if (csrf !== undefined) f.set('_csrf', csrf);
      f.set('step', 'check');
      f.set('file', new Blob([JSON.stringify({ tools: [{ ...TOOL, slug: 'csrf-one', name: 'Csrf One' }] })]), 'catalog.json');
      return f;
    };
    const post = (payload: FormData, headers: Record<string, string> = {}) => web.inject({ method: 'POST', url: '/admin/catalog/import', cookies, headers: { accept: 'text/html', ...headers }, payload });
    expect((await post(body())).statusCode).toBe(403);
    expect((await post(body('not-the-token'))).statusCode).toBe(403);
    expect((await post(body(token), { origin: 'https://evil.example' })).statusCode).toBe(403);
    const ok = await post(body(token));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('tools: 1 added (csrf-one)');
    expect((await post(body(), { 'x-csrf-token': token })).statusCode).toBe(200);
    // The apply step too: without the token nothing is applied.
    const confirm = confirmFields(ok.body);
    confirm.delete('_csrf');
    expect((await post(confirm)).statusCode).toBe(403);
    expect((await exportCatalog(h.app.db)).tools.map((t) => t.slug)).not.toContain('csrf-one');
  });

  it('offers the catalog as a download in the import format', async () => {
    const res = await web.inject({ url: '/admin/catalog/export.json', headers: bearer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="catalog.json"');
    expect(JSON.parse(res.body)).toEqual(await exportCatalog(h.app.db));
  });
});
