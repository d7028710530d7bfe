// Per-topic variants at fan-out (issue 19 point 2): each reader gets only the comparisons of their topics,
// the issue rendered once per distinct set of comparisons, each variant with its own template and its own
// batches; a reader none of whose topics is in the issue gets nothing that week (a skipped ledger row).
// Real Postgres, Redis, BullMQ, the resend SDK; the fake provider renders templates and captures each email.
import { describe, expect, it } from 'vitest';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { addReaders, waitFor, type Harness } from '../support/harness.js';
import { readyIssue, sendAndWait, sendingHarness } from '../support/sending.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { deliveryCounts } from '../../src/delivery/ledger.js';
import { findIssue, type IssueRow } from '../../src/issues/repo.js';
import { personalise } from '../../src/delivery/personalize.js';
import { asOneByte } from '../../src/issues/charset.js';
import { buildSubject } from '../../src/issues/render.js';
import { listVariants } from '../../src/delivery/variants.js';
import { expectFiguresMatchRecount } from '../support/ledger-figures.js';
import type { Delivery } from '../support/fake-resend.js';

interface Pair {
  position: number;
  category: string;
  title: string;
  names: [string, string];
}

async function pairsOf(h: Harness, issueId: number): Promise<Pair[]> {
  const { rows } = await h.app.db.query<{ position: number; category: string; a: string; b: string }>(
    `SELECT c.position, c.category, a.name AS a, b.name AS b FROM comparisons c JOIN tools a ON a.id = c.tool_a_id JOIN tools b ON b.id = c.tool_b_id
     WHERE c.issue_id = $1 ORDER BY c.position`,
    [issueId],
  );
  return rows.map((r) => ({ position: r.position, category: r.category, title: `${r.a} vs ${r.b}`, names: [r.a, r.b] }));
}

/** The comparisons' headings of an email as an HTML parser reads them (each comparison is one <h2>). */
function comparisonHeadings(html: string): string[] {
  const out: string[] = [];
  const text = (n: DefaultTreeAdapterTypes.ChildNode): string =>
    n.nodeName === '#text' ? (n as DefaultTreeAdapterTypes.TextNode).value : 'childNodes' in n ? n.childNodes.map(text).join('') : '';
  const walk = (n: DefaultTreeAdapterTypes.ParentNode) => {
    for (const c of n.childNodes) {
      if (c.nodeName === 'h2') out.push(text(c).replace(/\s+/g, ' ').trim());
      else if ('childNodes' in c) walk(c);
    }
  };
  walk(parse(html));
  return out;
}

async function setTopics(h: Harness, ids: number[], topics: string[] | null): Promise<void> {
  await h.app.db.query(`UPDATE subscribers SET topics = $2 WHERE id = ANY($1::bigint[])`, [ids, topics]);
}

/** Reader groups over the planned issue's categories: everything, the first pair's category, another
 * category of the issue, both, and a category the issue does not hold. */
async function groupsFor(h: Harness, issue: IssueRow, ids: number[]) {
  const pairs = await pairsOf(h, issue.id);
  const inIssue = [...new Set(pairs.map((p) => p.category))];
  expect(inIssue.length, 'the planned issue spans two categories at least').toBeGreaterThanOrEqual(2);
  const all = (await h.app.db.query<{ category: string }>(`SELECT DISTINCT category FROM tools ORDER BY 1`)).rows.map((r) => r.category);
  const absent = all.find((c) => !inIssue.includes(c))!;
  expect(absent).toBeDefined();
  const [a, b] = inIssue as [string, string];
  const groups = [
    { label: 'all', ids: ids.slice(0, 90), topics: null },
    { label: a, ids: ids.slice(90, 190), topics: [a] },
    { label: b, ids: ids.slice(190, 230), topics: [b] },
    { label: `${a}+${b}`, ids: ids.slice(230, 240), topics: [a, b] },
    { label: `absent ${absent}`, ids: ids.slice(240, 250), topics: [absent] },
  ];
  for (const g of groups) await setTopics(h, g.ids, g.topics);
  const expected = (topics: string[] | null) => pairs.filter((p) => topics === null || topics.includes(p.category));
  return { pairs, groups, expected };
}

describe('topic variants at fan-out', () => {
  const sending = sendingHarness({ env: { SEND_RATE: '40' } });

  it('each reader gets only the comparisons of their topics; a reader with none of them gets nothing and a skipped row', async () => {
    const { h } = sending;
    const ids = await addReaders(h.app, 250);
    const issue = await readyIssue(h, '2026-W30', 3);
    const { pairs, groups, expected } = await groupsFor(h, issue, ids);
    const { issue: sent, counts } = await sendAndWait(h, '2026-W30');

    const byAddress = new Map<string, Delivery[]>();
    for (const d of h.fake.deliveries) byAddress.set(d.to[0]!, [...(byAddress.get(d.to[0]!) ?? []), d]);
    const emailOf = async (id: number) => (await h.app.db.query<{ email: string }>(`SELECT email FROM subscribers WHERE id = $1`, [id])).rows[0]!.email;

    for (const g of groups) {
      const want = expected(g.topics);
      for (const id of [g.ids[0]!, g.ids.at(-1)!]) {
        const got = byAddress.get(await emailOf(id)) ?? [];
        if (want.length === 0) {
          expect(got, `${g.label}: no email`).toHaveLength(0);
          continue;
        }
        expect(got, `${g.label}: one email`).toHaveLength(1);
        const d = got[0]!;
        // As a parser reads the email: exactly the comparisons of the reader's topics, in issue order.
        expect(comparisonHeadings(d.html!), g.label).toEqual(want.map((p) => p.title));
        expect(d.subject, g.label).toBe(buildSubject(want.map((p) => p.names)));
        // The plain-text part lists the same comparisons.
        for (const p of pairs) expect(d.text!.includes(`- ${p.title} (${p.category})`), `${g.label} text: ${p.title}`).toBe(want.includes(p));
      }
    }

    // A reader with every topic gets today's email, byte for byte: the stored issue, personalised.
    const whole = byAddress.get(await emailOf(ids[0]!))![0]!;
    const p = personalise(
      { id: sent.id, week: sent.week, subject: sent.subject!, html: asOneByte(sent.html!), text: asOneByte(sent.text!), sendStartedAt: sent.send_started_at! },
      ids[0]!, h.config.tokenSecret, h.config.publicUrl,
    );
    expect(whole.html).toBe(p.html);
    expect(whole.text).toBe(p.text);
    expect(whole.subject).toBe(sent.subject);
    expect(whole.idempotencyKey).toMatch(/^verdicts\/2026-W30\/issue-\d+\/batch-\d+$/);

    // Ledger and figures: the absent-topic readers are skipped with the reason, counted as skipped.
    expect(counts).toEqual({ to_send: 250, sent: 240, failed: 0, skipped: 10, pending: 0 });
    const { rows: skipped } = await h.app.db.query(`SELECT subscriber_id::int AS id, last_error FROM deliveries WHERE issue_id = $1 AND state = 'skipped' ORDER BY 1`, [sent.id]);
    expect(skipped).toEqual(groups.at(-1)!.ids.map((id) => ({ id, last_error: 'no-topics-in-issue' })));
    await expectFiguresMatchRecount(h.app.db, sent.id);
    expect(h.fake.duplicates().size).toBe(0);

    // Every batch holds one variant; the variants are stored once each, with their readers.
    const { rows: mixed } = await h.app.db.query(
      `SELECT batch_no FROM deliveries WHERE issue_id = $1 AND state <> 'skipped' GROUP BY batch_no HAVING count(DISTINCT coalesce(variant_key, 'all')) > 1`, [sent.id]);
    expect(mixed).toEqual([]);
    const variants = await listVariants(h.app.db, sent.id);
    const keyOf = (want: Pair[]) => (want.length === pairs.length ? 'all' : want.map((x) => x.position).join('-'));
    const readersByKey = new Map<string, number>();
    for (const g of groups.slice(0, 4)) readersByKey.set(keyOf(expected(g.topics)), (readersByKey.get(keyOf(expected(g.topics))) ?? 0) + g.ids.length);
    expect(Object.fromEntries(variants.map((v) => [v.key, v.readers]))).toEqual(Object.fromEntries(readersByKey));
    expect(variants.every((v) => v.state === 'ready')).toBe(true);
    expect(variants[0]!.key).toBe('all');
    // The first pair's category alone leaves out another category's pair: at least three variants.
    expect(variants.length).toBeGreaterThanOrEqual(3);

    // One provider template per variant; every email of a variant names its template.
    expect(h.fake.templates.list()).toHaveLength(variants.length);
    const { rows: templates } = await h.app.db.query(`SELECT count(*)::int AS n FROM issue_templates WHERE issue_id = $1 AND state = 'published'`, [sent.id]);
    expect(templates[0].n).toBe(variants.length);
    const templateBySubject = new Map<string, Set<string>>();
    for (const d of h.fake.deliveries) templateBySubject.set(d.subject, (templateBySubject.get(d.subject) ?? new Set()).add(d.templateId!));
    expect([...templateBySubject.values()].every((s) => s.size === 1)).toBe(true);
    // A variant's batches carry the variant in their idempotency key.
    const partial = byAddress.get(await emailOf(groups[1]!.ids[0]!))![0]!;
    expect(partial.idempotencyKey).toMatch(/^verdicts\/2026-W30\/issue-\d+\/variant-[0-9-]+\/batch-\d+$/);

    // The archive keeps the whole issue.
    const archive = (await h.app.db.query<{ html: string }>(`SELECT html FROM issues WHERE id = $1`, [sent.id])).rows[0]!.html;
    expect(comparisonHeadings(archive)).toEqual(pairs.map((x) => x.title));
  });

  it('exactly once with variants: fan-out run again while sending, a lost answer and a 500 retried: nobody gets two, the same body under the same key', async () => {
    const { h } = sending;
    await h.app.db.query(`DELETE FROM subscribers`);
    const ids = await addReaders(h.app, 250, 1000);
    const issue = await readyIssue(h, '2026-W31', 3);
    const { groups, expected } = await groupsFor(h, issue, ids);
    h.fake.reset();
    h.fake.acceptThenDropNext(2);
    h.fake.failNext(2, { status: 500 });
    const queue = bullBatchQueue(h.app.queue('send'));
    const first = await fanOut(h.app.db, queue, h.app.log, { week: '2026-W31', notAfter: null });
    expect(first.kind).toBe('started');
    const again = await fanOut(h.app.db, queue, h.app.log, { week: '2026-W31', notAfter: null });
    expect(['resumed', 'already-sent']).toContain(again.kind);
    await waitFor(async () => (await findIssue(h.app.db, '2026-W31'))!.state === 'sent', 60_000, 'W31 sent');
    expect(h.fake.duplicates().size).toBe(0);
    expect(h.fake.replays).toBeGreaterThanOrEqual(1);
    expect(h.fake.requests.filter((r) => r.errorName === 'invalid_idempotent_request')).toHaveLength(0);
    const counts = await deliveryCounts(h.app.db, issue.id);
    expect(counts).toEqual({ to_send: 250, sent: 240, failed: 0, skipped: 10, pending: 0 });
    const wanted = groups.slice(0, 4).reduce((n, g) => n + g.ids.length, 0);
    expect(new Set(h.fake.deliveries.map((d) => d.to[0])).size).toBe(wanted);
    // Still each reader's own comparisons after the retries.
    const emailOf = async (id: number) => (await h.app.db.query<{ email: string }>(`SELECT email FROM subscribers WHERE id = $1`, [id])).rows[0]!.email;
    for (const g of groups.slice(0, 4)) {
      const mine = await emailOf(g.ids[3]!);
      const got = h.fake.deliveries.filter((x) => x.to[0] === mine);
      expect(got).toHaveLength(1);
      expect(comparisonHeadings(got[0]!.html!)).toEqual(expected(g.topics).map((p) => p.title));
    }
    await expectFiguresMatchRecount(h.app.db, issue.id);
  });

  it('with no topics anywhere there is one variant, the whole issue: batches, keys and jobs exactly as before', async () => {
    const { h } = sending;
    await h.app.db.query(`UPDATE subscribers SET topics = NULL`);
    const issue = await readyIssue(h, '2026-W32', 3);
    h.fake.reset();
    await sendAndWait(h, '2026-W32');
    const { rows } = await h.app.db.query(`SELECT count(*) FILTER (WHERE variant_key IS NOT NULL)::int AS varied, max(batch_no)::int AS last FROM deliveries WHERE issue_id = $1`, [issue.id]);
    expect(rows[0]).toEqual({ varied: 0, last: 2 });
    expect((await listVariants(h.app.db, issue.id)).map((v) => [v.key, v.readers])).toEqual([['all', 250]]);
    expect(h.fake.deliveries.every((d) => /^verdicts\/2026-W32\/issue-\d+\/batch-[0-2]$/.test(d.idempotencyKey!))).toBe(true);
    const jobs = await h.app.queue('send').getJobs(['completed']);
    expect(jobs.filter((j) => (j.data as { week: string }).week === '2026-W32').every((j) => !('variant' in (j.data as object)))).toBe(true);
  });
});

describe('a variant that cannot be sent', () => {
  const sending = sendingHarness({ env: { SEND_RATE: '40' } });

  async function firstTopicSend(week: string, tamper: (issueId: number) => Promise<void>) {
    const { h } = sending;
    await h.app.db.query(`DELETE FROM subscribers`);
    const ids = await addReaders(h.app, 120);
    const issue = await readyIssue(h, week, 3);
    const pairs = await pairsOf(h, issue.id);
    expect(new Set(pairs.map((p) => p.category)).size).toBeGreaterThanOrEqual(2);
    await setTopics(h, ids.slice(0, 60), [pairs[0]!.category]);
    await tamper(issue.id);
    h.fake.reset();
    await sendAndWait(h, week);
    return { issue, pairs };
  }

  it('fails the quality gate (a link that is neither ours nor a tool\'s): not sent, its readers get the whole issue, the reason stored', async () => {
    const { h } = sending;
    const { issue, pairs } = await firstTopicSend('2026-W40', async (issueId) => {
      // The stored view's first tool now links somewhere the catalog does not know.
      await h.app.db.query(`UPDATE issues SET render_view = jsonb_set(render_view, '{comparisons,0,a,url}', '"https://evil.example.com/"') WHERE id = $1`, [issueId]);
    });
    const variants = await listVariants(h.app.db, issue.id);
    const refused = variants.find((v) => v.key !== 'all')!;
    expect(refused.state).toBe('refused');
    expect(refused.reason).toMatch(/fails the quality gate: .*evil\.example\.com.*these readers get the whole issue/);
    expect(variants.find((v) => v.key === 'all')!.readers).toBe(120);
    expect(h.fake.deliveries).toHaveLength(120);
    for (const d of h.fake.deliveries) expect(comparisonHeadings(d.html!)).toEqual(pairs.map((p) => p.title));
    expect(h.fake.deliveries.some((d) => d.html!.includes('evil.example.com'))).toBe(false);
    const { rows } = await h.app.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE issue_id = $1 AND variant_key IS NOT NULL`, [issue.id]);
    expect(rows[0].n).toBe(0);
    await expectFiguresMatchRecount(h.app.db, issue.id);
  });

  it('an issue rendered before variants existed (no stored view): everyone with a topic in it gets the whole issue', async () => {
    const { h } = sending;
    const { issue, pairs } = await firstTopicSend('2026-W41', async (issueId) => {
      await h.app.db.query(`UPDATE issues SET render_view = NULL WHERE id = $1`, [issueId]);
    });
    const variants = await listVariants(h.app.db, issue.id);
    expect(variants.find((v) => v.key !== 'all')!.state).toBe('refused');
    expect(h.fake.deliveries).toHaveLength(120);
    for (const d of h.fake.deliveries) expect(comparisonHeadings(d.html!)).toEqual(pairs.map((p) => p.title));
  });
});
