// The links in a sent issue, followed as a reader (and a mailbox provider) would: one-click unsubscribe,
// community votes, and the web archive. The issue is planned, rendered and sent by the real pipeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { FORM, heading, lastMailTo, linksIn, pathOf, readerServer, sendIssue, shown } from '../support/readers.js';
import { startWorkers, type RunningWorkers } from '../../workers/start.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { findIssue, type IssueRow } from '../../src/issues/repo.js';
import { MIN_COMMUNITY_VOTES } from '../../src/issues/compose.js';

const WEEK = '2026-W20';
let h: Harness;
let web: FastifyInstance;
let workers: RunningWorkers;
let readers: number[];
let issue: IssueRow;

const mailOf = (i: number, week = WEEK) => lastMailTo(h.fake.deliveries.filter((d) => d.tags?.some((t) => t.value === week)), `reader${i}@example.net`)!;
const unsubscribeUrl = (i: number) => /^<([^>]+)>$/.exec(mailOf(i).headers!['List-Unsubscribe']!)![1]!;
const statusOf = async (id: number) => (await h.app.db.query(`SELECT status, unsubscribed_at FROM subscribers WHERE id = $1`, [id])).rows[0];

beforeAll(async () => {
  h = await createHarness({ backend: 'redis', env: { SEND_RATE: '50' } });
  workers = startWorkers(h.app, ['render', 'send']);
  web = await readerServer(h);
  readers = await addReaders(h.app, 12);
  issue = await sendIssue(h, WEEK);
});
afterAll(async () => {
  await web?.close();
  await workers?.close();
  await h?.close();
});

describe('one-click unsubscribe', () => {
  it('puts the same unsubscribe URL in the List-Unsubscribe header and the footer', () => {
    const mail = mailOf(0);
    expect(mail.headers!['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(linksIn(mail.html!, '/unsubscribe')).toContain(unsubscribeUrl(0));
  });

  it('GET shows a button and changes nothing (link scanners prefetch GETs)', async () => {
    const url = pathOf(unsubscribeUrl(0));
    for (let i = 0; i < 3; i++) {
      const r = await web.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(200);
      expect(heading(r.body)).toBe('Unsubscribe from Weekly AI Tool Verdicts?');
      expect(r.body).toContain('r•••@example.net');
      expect(r.body).not.toContain('reader0@example.net');
      expect(r.body).toMatch(new RegExp(`<form method="post" action="${url.replace(/[.?]/g, '\\$&')}"|action="${url.replace(/[.?]/g, '\\$&')}" method="post"`));
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect((await statusOf(readers[0]!)).status).toBe('active');
  });

  it("unsubscribes at once on a mailbox provider's one-click POST, and again changes nothing", async () => {
    const url = pathOf(unsubscribeUrl(0));
    const r = await web.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: FORM });
    expect(r.statusCode).toBe(200);
    expect(heading(r.body)).toBe('You have been unsubscribed');
    const after = await statusOf(readers[0]!);
    expect(after.status).toBe('unsubscribed');
    expect(after.unsubscribed_at).toBeInstanceOf(Date);
    // The issue whose link was used records that it lost this reader.
    const { rows } = await h.app.db.query(`SELECT events FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2`, [issue.id, readers[0]]);
    expect(rows[0].events.unsubscribed.count).toBe(1);

    const again = await web.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: FORM });
    expect(again.statusCode).toBe(200);
    expect(heading(again.body)).toBe('You are unsubscribed');
    expect((await statusOf(readers[0]!)).unsubscribed_at).toEqual(after.unsubscribed_at);
  });

  it('accepts the one-click POST as multipart, as plain form data from the page button, or with no body', async () => {
    const multipart = '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n';
    const r1 = await web.inject({ method: 'POST', url: pathOf(unsubscribeUrl(1)), payload: multipart, headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    const r2 = await web.inject({ method: 'POST', url: pathOf(unsubscribeUrl(2)), payload: '', headers: FORM });
    const r3 = await web.inject({ method: 'POST', url: pathOf(unsubscribeUrl(3)) });
    for (const r of [r1, r2, r3]) expect(r.statusCode).toBe(200);
    for (const i of [1, 2, 3]) expect((await statusOf(readers[i]!)).status).toBe('unsubscribed');
  });

  it('honours an expired but genuine link, and refuses a forged one with a clear page', async () => {
    const expired = signToken(h.config.tokenSecret, { purpose: 'unsubscribe', subscriberId: readers[4]!, issueId: 0, toolId: 0, expiresAt: 1_000_000 });
    const page = await web.inject({ method: 'GET', url: `/unsubscribe?token=${expired}` });
    expect(heading(page.body)).toBe('Unsubscribe from Weekly AI Tool Verdicts?');
    expect((await web.inject({ method: 'POST', url: `/unsubscribe?token=${expired}` })).statusCode).toBe(200);
    expect((await statusOf(readers[4]!)).status).toBe('unsubscribed');

    const forged = signToken('another-secret-0123456789', { purpose: 'unsubscribe', subscriberId: readers[5]!, issueId: 0, toolId: 0, expiresAt: 2e9 });
    const vote = signToken(h.config.tokenSecret, { purpose: 'vote', subscriberId: readers[5]!, issueId: issue.id, toolId: 1, expiresAt: 2e9 });
    for (const url of [`/unsubscribe?token=${forged}`, `/unsubscribe?token=${vote}`, '/unsubscribe', '/unsubscribe?token=%00%0d%0a', `/unsubscribe?token[]=x`]) {
      for (const method of ['GET', 'POST'] as const) {
        const r = await web.inject({ method, url, payload: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined, headers: method === 'POST' ? FORM : {} });
        expect(r.statusCode, `${method} ${url}`).toBe(400);
        expect(heading(r.body)).toBe('This unsubscribe link does not work');
      }
    }
    expect((await statusOf(readers[5]!)).status).toBe('active');
  });

  it('takes effect at once: a reader who leaves after fan-out is skipped by batches not yet started', async () => {
    const week = '2026-W21';
    await planWeek(h.app.db, h.app.log, week, { pairsPerIssue: 1 });
    await renderWeek(h.app.db, h.app.log, week, h.app.config);
    await approveWeek(h.app.db, h.app.log, week, 'test');
    await Promise.all(workers.workers.map((w) => w.pause()));
    try {
      await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week, notAfter: null });
      const r = await web.inject({ method: 'POST', url: pathOf(unsubscribeUrl(6)), payload: 'List-Unsubscribe=One-Click', headers: FORM });
      expect(r.statusCode).toBe(200);
    } finally {
      workers.workers.forEach((w) => w.resume());
    }
    await waitFor(async () => (await findIssue(h.app.db, week))!.state === 'sent', 30_000, `${week} sent`);
    const next = (await findIssue(h.app.db, week))!;
    const { rows } = await h.app.db.query(`SELECT state FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2`, [next.id, readers[6]]);
    expect(rows[0].state).toBe('skipped');
    expect(h.fake.deliveries.some((d) => d.to[0] === 'reader6@example.net' && d.tags?.some((t) => t.value === week))).toBe(false);
    expect(h.fake.deliveries.some((d) => d.to[0] === 'reader7@example.net' && d.tags?.some((t) => t.value === week))).toBe(true);
  });
});

describe('community votes', () => {
  const voteLinks = (i: number) => linksIn(mailOf(i).html!, '/vote');
  const votes = async (toolId: number) => (await h.app.db.query(`SELECT subscriber_id, choice, issue_id FROM votes WHERE tool_id = $1 ORDER BY subscriber_id`, [toolId])).rows;

  it('carries ship and skip links for every tool of every comparison, signed per reader', async () => {
    const links = voteLinks(8);
    const { rows } = await h.app.db.query(`SELECT tool_a_id, tool_b_id FROM comparisons WHERE issue_id = $1`, [issue.id]);
    expect(links).toHaveLength(rows.length * 4);
    expect(new Set(links.map((l) => new URL(l).searchParams.get('choice')))).toEqual(new Set(['ship', 'skip']));
    expect(voteLinks(9)).not.toEqual(links);
  });

  it('GET shows the tool and the choice with a confirm button; POST records one changeable vote', async () => {
    const ship = voteLinks(8).find((l) => l.endsWith('choice=ship'))!;
    const token = new URL(ship).searchParams.get('token')!;
    const toolId = Number(token.split('.')[3]);
    const { rows } = await h.app.db.query(`SELECT name FROM tools WHERE id = $1`, [toolId]);

    const page = await web.inject({ method: 'GET', url: pathOf(ship) });
    expect(page.statusCode).toBe(200);
    expect(heading(page.body)).toBe(`Your verdict on ${rows[0].name}`);
    // Nothing is recorded yet, and the page says so: what the button will do, never "Your vote".
    expect(shown(page.body)).toContain(`You are about to vote ship it on ${rows[0].name}. Nothing is recorded until you confirm.`);
    expect(shown(page.body)).not.toMatch(/your vote( on [^.]*)?:/i);
    expect(page.body).toMatch(/<button class="btn ship" type="submit" value="ship" name="choice">Confirm: ship it<\/button>/);
    expect(await votes(toolId)).toEqual([]);

    const action = `/vote?token=${token}`;
    const posted = await web.inject({ method: 'POST', url: action, payload: 'choice=ship', headers: FORM });
    expect(posted.statusCode).toBe(200);
    expect(heading(posted.body)).toBe('Thanks, your vote is in');
    expect(shown(posted.body)).toContain(`Your vote on ${rows[0].name}: SHIP IT`);
    expect(await votes(toolId)).toEqual([{ subscriber_id: readers[8], choice: 'ship', issue_id: issue.id }]);

    const changed = await web.inject({ method: 'POST', url: action, payload: 'choice=skip', headers: FORM });
    expect(changed.statusCode).toBe(200);
    expect(changed.body).toContain('SKIP IT');
    expect(await votes(toolId)).toEqual([{ subscriber_id: readers[8], choice: 'skip', issue_id: issue.id }]);
    // The same POST again changes nothing.
    await web.inject({ method: 'POST', url: action, payload: 'choice=skip', headers: FORM });
    expect(await votes(toolId)).toHaveLength(1);
  });

  it('validates the choice and the link; never a 5xx', async () => {
    const ship = voteLinks(9).find((l) => l.endsWith('choice=ship'))!;
    const token = new URL(ship).searchParams.get('token')!;
    const toolId = Number(token.split('.')[3]);
    const bad = await web.inject({ method: 'GET', url: `/vote?token=${token}&choice=maybe` });
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain('Would you ship with it, or skip it?');
    const badPost = await web.inject({ method: 'POST', url: `/vote?token=${token}`, payload: 'choice=DROP%20TABLE%20votes', headers: FORM });
    expect(badPost.statusCode).toBe(400);
    expect((await votes(toolId)).filter((v) => v.subscriber_id === readers[9])).toEqual([]);

    const notInIssue = (await h.app.db.query(`SELECT id FROM tools WHERE id NOT IN (SELECT tool_a_id FROM comparisons UNION SELECT tool_b_id FROM comparisons) LIMIT 1`)).rows[0].id;
    const sign = (c: Partial<{ subscriberId: number; issueId: number; toolId: number; expiresAt: number }>) =>
      signToken(h.config.tokenSecret, { purpose: 'vote', subscriberId: readers[9]!, issueId: issue.id, toolId, expiresAt: 2e9, ...c });
    const cases: Array<[string, number, string]> = [
      [`/vote?token=${sign({ toolId: notInIssue })}&choice=ship`, 410, 'This vote link is no longer valid'],
      [`/vote?token=${sign({ toolId: 999_999 })}&choice=ship`, 410, 'This vote link is no longer valid'],
      [`/vote?token=${sign({ subscriberId: 999_999 })}&choice=ship`, 410, 'This vote link is no longer valid'],
      [`/vote?token=${sign({ issueId: 999_999 })}&choice=ship`, 410, 'This vote link is no longer valid'],
      [`/vote?token=${sign({ expiresAt: 1_000_000 })}&choice=ship`, 410, 'Voting on this comparison has closed'],
      [`/vote?token=${sign({ toolId: 0 })}&choice=ship`, 400, 'This vote link does not work'],
      [`/vote?token=${token.slice(0, -2)}xx&choice=ship`, 400, 'This vote link does not work'],
      ['/vote?choice=ship', 400, 'This vote link does not work'],
    ];
    for (const [url, status, title] of cases) {
      for (const method of ['GET', 'POST'] as const) {
        const r = await web.inject({ method, url, payload: method === 'POST' ? 'choice=ship' : undefined, headers: method === 'POST' ? FORM : {} });
        expect(r.statusCode, `${method} ${url}`).toBe(status);
        expect(heading(r.body)).toBe(title);
      }
    }
    expect((await h.app.db.query(`SELECT count(*)::int AS n FROM votes WHERE subscriber_id = $1`, [readers[9]])).rows[0].n).toBe(0);
  });

  it('shows the community figure as ship votes over all votes, or "—" below the minimum sample', async () => {
    // The newest issue (2026-W21, sent above) is the one the signup page samples.
    const week = '2026-W21';
    const latest = (await findIssue(h.app.db, week))!;
    const { rows } = await h.app.db.query(`SELECT tool_a_id FROM comparisons WHERE issue_id = $1 ORDER BY position LIMIT 1`, [latest.id]);
    const toolId: number = rows[0].tool_a_id;
    const link = (i: number, choice: string) =>
      linksIn(mailOf(i, week).html!, '/vote').find((l) => new URL(l).searchParams.get('token')!.split('.')[3] === String(toolId) && l.endsWith(`choice=${choice}`))!;
    const voters = [7, 8, 9, 10, 11];
    expect(voters.length).toBe(MIN_COMMUNITY_VOTES);
    for (const i of voters.slice(0, -1)) {
      const choice = i === 7 ? 'skip' : 'ship';
      expect((await web.inject({ method: 'POST', url: pathOf(link(i, choice)), payload: `choice=${choice}`, headers: FORM })).statusCode).toBe(200);
    }
    const archive = async () => (await web.inject({ method: 'GET', url: `/issues/${week}` })).body;
    const home = async () => (await web.inject({ method: 'GET', url: '/' })).body;
    const name = (await h.app.db.query(`SELECT name FROM tools WHERE id = $1`, [toolId])).rows[0].name;
    expect(await archive()).toContain(`${name}: — (4 votes so far; shown from 5)`);
    expect(await home()).toContain('<span class="value">—</span><span class="meter community" aria-hidden="true"><span style="width:0%"></span></span><span class="caption">not enough votes yet (4 votes so far)</span>');

    const fifth = await web.inject({ method: 'POST', url: pathOf(link(11, 'ship')), payload: 'choice=ship', headers: FORM });
    expect(fifth.body).toContain('<strong>80%</strong> (5 votes)');
    expect(await archive()).toContain(`${name}: 80% (5 votes)`);
    expect(await home()).toContain('<span class="value">80%</span><span class="meter community" aria-hidden="true"><span style="width:80%"></span></span><span class="caption">5 votes</span>');
  });
});

describe('the web archive', () => {
  it('lists sent issues only, newest first', async () => {
    await planWeek(h.app.db, h.app.log, '2026-W30', { pairsPerIssue: 1 }); // planned, never sent
    const r = await web.inject({ method: 'GET', url: '/issues' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(`href="/issues/${WEEK}"`);
    expect(r.body).toContain(issue.subject!);
    expect(r.body).not.toContain('/issues/2026-W30');
    expect(r.body.indexOf('/issues/2026-W21')).toBeLessThan(r.body.indexOf(`/issues/${WEEK}`));
  });

  it("shows an issue as sent, without any reader's links; the email's 'view in browser' leads there", async () => {
    const view = linksIn(mailOf(10).html!, `/issues/${WEEK}`);
    expect(view).toEqual([`https://verdicts.example.org/issues/${WEEK}`]);
    const r = await web.inject({ method: 'GET', url: pathOf(view[0]!) });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain(issue.subject!.replace(/&/g, '&amp;').split(',')[0]);
    expect(r.body).not.toMatch(/token=/);
    expect(r.body).not.toMatch(/%%[A-Z_0-9]+%%/);
    expect(r.body).toContain(`https://verdicts.example.org/issues/${WEEK}#vote`);
    expect(r.body).toContain('id="vote"');
    expect(r.body.indexOf('id="vote"')).toBeGreaterThan(r.body.search(/<body[^>]*>/));
  });

  it('answers 404 with a page for unknown, unsent and malformed weeks', async () => {
    for (const week of ['2026-W30', '2026-W31', '2026-W99', 'latest', "2026-W20'--", '..%2f..%2fetc%2fpasswd']) {
      const r = await web.inject({ method: 'GET', url: `/issues/${week}` });
      expect(r.statusCode, week).toBe(404);
      expect(heading(r.body)).toBe('Page not found');
    }
  });

  it('answers an address nothing serves with the same page, or JSON for an API caller', async () => {
    for (const url of ['/no-such-page', '/issues/2026-W30/extra', '/unsubscribe/x?token=abc']) {
      const r = await web.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(heading(r.body), url).toBe('Page not found');
    }
    const api = await web.inject({ method: 'POST', url: '/api/nothing', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ ok: false, error: 'Not found', message: 'Nothing answers POST /api/nothing' });
  });
});
