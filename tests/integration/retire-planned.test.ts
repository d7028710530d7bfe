// Retiring a tool that is already planned into a week not sent yet: a week nobody approved (planned,
// rendered) is re-planned without it at once, keeping its other pairs and their reasons; an approved week is
// left as the editor approved it, and the tool page and the issue page say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHarness, type Harness } from '../support/harness.js';
import { buildServer } from '../../src/web/server.js';
import { approveWithGate } from '../../src/issues/approval.js';
import { renderWeek } from '../../src/issues/lifecycle.js';
import { planWeek } from '../../src/issues/plan.js';
import { comparisonsOf, findIssue } from '../../src/issues/repo.js';

const TOKEN = 'test-admin-token-0123';
const headers = { authorization: `Bearer ${TOKEN}`, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' };
const [PLANNED, RENDERED, APPROVED] = ['2031-W10', '2031-W11', '2031-W12'];

let h: Harness;
let web: FastifyInstance;
const tools = new Map<number, { slug: string; name: string }>();

async function pairsOf(week: string) {
  const issue = (await findIssue(h.app.db, week))!;
  return (await comparisonsOf(h.app.db, issue.id)).map((c) => ({ a: tools.get(c.tool_a_id)!.slug, b: tools.get(c.tool_b_id)!.slug, reasons: c.reasons }));
}
const retire = (slug: string) => web.inject({ method: 'POST', url: `/admin/catalog/tools/${slug}/retire`, headers, payload: 'retired=1' });

beforeAll(async () => {
  h = await createHarness({ backend: 'redis' });
  web = await buildServer(h.app);
  for (const r of (await h.app.db.query('SELECT id::int, slug, name FROM tools')).rows) tools.set(r.id, { slug: r.slug, name: r.name });
  for (const week of [PLANNED, RENDERED, APPROVED]) await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 2 });
  await renderWeek(h.app.db, h.app.log, RENDERED, h.app.config);
  await renderWeek(h.app.db, h.app.log, APPROVED, h.app.config);
  await approveWithGate(h.app.db, h.app.log, APPROVED, 'editor', h.config);
});
afterAll(async () => {
  await web?.close();
  await h?.close();
});

describe('retiring a tool that is in a planned week', () => {
  it('re-plans a planned week without it, keeping the other pair and its reasons', async () => {
    const before = await pairsOf(PLANNED);
    const gone = before[0]!.a;
    const res = await retire(gone);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain(`replanned=${PLANNED}`);
    const after = await pairsOf(PLANNED);
    expect(after).toHaveLength(2);
    expect(after.flatMap((p) => [p.a, p.b])).not.toContain(gone);
    expect(after).toContainEqual(before[1]); // same pair, same reasons
    expect((await findIssue(h.app.db, PLANNED))!.state).toBe('planned');

    const page = await web.inject({ url: res.headers.location as string, headers });
    expect(page.body).toContain(`Re-planned without it: ${PLANNED}.`);
    expect(page.body).toMatch(new RegExp(`<b>api</b> · taken out of ${PLANNED}: the week was re-planned`));
    expect(page.body).not.toContain('id="retired-in-plan"'); // nothing left to warn about
  });

  it('re-plans and re-renders a rendered (not approved) week', async () => {
    const gone = (await pairsOf(RENDERED))[0]!.b;
    expect((await retire(gone)).statusCode).toBe(303);
    const issue = (await findIssue(h.app.db, RENDERED))!;
    expect(issue.state).toBe('rendered');
    expect((await pairsOf(RENDERED)).flatMap((p) => [p.a, p.b])).not.toContain(gone);
    expect(issue.html).not.toContain(`>${tools.get([...tools].find(([, t]) => t.slug === gone)![0])!.name}<`);
  });

  it('leaves an approved week as approved and warns on the tool page and the issue page', async () => {
    const before = await pairsOf(APPROVED);
    const gone = before[0]!.a;
    const name = [...tools.values()].find((t) => t.slug === gone)!.name;
    const res = await retire(gone);
    expect(res.headers.location).not.toContain(APPROVED);
    expect(await pairsOf(APPROVED)).toEqual(before);
    expect((await findIssue(h.app.db, APPROVED))!.state).toBe('approved');

    const toolPage = await web.inject({ url: `/admin/catalog/tools/${gone}`, headers });
    const warning = /<div class="flash error" role="alert" id="retired-in-plan">([\s\S]*?)<\/div>/.exec(toolPage.body)![1]!.replace(/<[^>]+>/g, '');
    expect(warning).toContain(`${name} is retired but still planned:`);
    expect(warning).toContain(`${APPROVED} (approved): `);
    expect(warning).toContain('It was approved with this pair and goes out as approved unless you re-plan or cancel the week.');

    const issuePage = await web.inject({ url: `/admin/issues/${APPROVED}`, headers });
    expect(issuePage.body).toContain('This week features a tool retired since it was planned: re-plan it (below) or cancel it, or it goes out as approved.');
    expect(issuePage.body).toContain(`${name} retired</li>`);
  });
});
