// The welcome email after a reader confirms, through the real confirmation job (real Postgres, Redis, send
// workers, the resend SDK and the local fake provider): exactly one per reader, whatever is retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addReaders, waitFor, type Harness } from '../support/harness.js';
import { confirmationsSettled, confirmationTo, FORM, linksIn, pathOf, sendIssue } from '../support/readers.js';
import { openSite, type Site } from '../support/site.js';
import { wakeConfirmations } from '../../src/queue/confirm-queue.js';
import { owedIdempotencyKey } from '../../src/subscribers/owed-mail.js';
import { welcomeEmails, welcomeMail } from '../../src/subscribers/welcome-sender.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import type { IssueRow } from '../../src/issues/repo.js';

let site: Site;
let h: Harness;
let web: FastifyInstance;
let issue: IssueRow;
let ip = 0;

const welcomesTo = (email: string) => h.fake.deliveries.filter((d) => d.to.includes(email) && d.tags?.some((t) => t.value === 'welcome'));
const subscribe = (email: string) =>
  web.inject({ method: 'POST', url: '/subscribe', payload: new URLSearchParams({ email }).toString(), headers: FORM, remoteAddress: `10.9.0.${++ip}` });
const reader = async (email: string) => (await h.app.db.query(`SELECT * FROM subscribers WHERE email = $1`, [email])).rows[0];
/** A reader who confirmed, with no job woken: as if the confirming request's queue add were still to come. */
const owedWelcome = async (email: string) =>
  (await h.app.db.query(`INSERT INTO subscribers (email, status, source, consent_at, welcome_owed_at) VALUES ($1, 'active', 'form', now(), now()) RETURNING id`, [email])).rows[0].id as number;

/** Signs up, follows the confirmation link, and returns the confirm URL. */
async function signUpAndConfirm(email: string): Promise<string> {
  await subscribe(email);
  const mail = await confirmationTo(h, email);
  const url = pathOf(linksIn(mail.html!, '/confirm')[0]!);
  // GET confirms today; once confirming is a POST behind a button (issue 15), both reach confirmSubscriber.
  const r = await web.inject({ method: 'POST', url, headers: FORM, payload: '' }).then((p) => (p.statusCode === 404 ? web.inject({ method: 'GET', url }) : p));
  expect(r.statusCode).toBe(200);
  return url;
}

beforeAll(async () => {
  ({ h, web } = site = await openSite({ backend: 'redis', env: { SEND_RATE: '20' }, workers: ['render', 'send'] }));
  await addReaders(h.app, 2);
  issue = await sendIssue(h, '2026-W20');
});
afterAll(() => site?.close());

describe('the welcome email', () => {
  it('arrives once after confirming: when issues come, a sample from the latest issue, topics and unsubscribe links', async () => {
    const email = 'new-reader@example.net';
    const confirm = await signUpAndConfirm(email);
    await waitFor(async () => welcomesTo(email).length > 0, 30_000, 'welcome sent');
    // The confirm link again (a second click, a link scanner) welcomes nobody twice.
    await web.inject({ method: 'GET', url: confirm });
    await confirmationsSettled(h);
    const mails = welcomesTo(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    const row = await reader(email);
    expect(mail!.subject).toBe('Welcome to Weekly AI Tool Verdicts');
    expect(mail!.idempotencyKey).toBe(`welcome/${row.id}/${row.welcome_sent_at.getTime()}`);
    expect(row).toMatchObject({ welcome_owed_at: null, welcome_claim: null });
    expect(mail!.text).toContain('every Tuesday at 09:00 (UTC)');
    // The sample: the latest issue's first comparison, with a link to it in the archive.
    const { rows: [first] } = await h.app.db.query(`SELECT t.name FROM comparisons c JOIN tools t ON t.id = c.tool_a_id WHERE c.issue_id = $1 AND position = 1`, [issue.id]);
    expect(mail!.html).toContain(first.name);
    expect(linksIn(mail!.html!, '/issues/2026-W20')).toHaveLength(1);
    // Personal links, signed for this reader, in the body and the List-Unsubscribe header.
    const prefs = linksIn(mail!.html!, '/preferences');
    expect(prefs.length).toBeGreaterThanOrEqual(1);
    const prefsCheck = verifyToken(h.config.tokenSecret, new URL(prefs[0]!).searchParams.get('token'), 'preferences');
    expect(prefsCheck.ok && prefsCheck.claims.subscriberId).toBe(row.id);
    const unsubscribe = linksIn(mail!.html!, '/unsubscribe');
    expect(mail!.headers!['List-Unsubscribe']).toBe(`<${unsubscribe[0]}>`);
    expect(mail!.text).toContain(prefs[0]);
    expect(mail!.html).not.toMatch(/SLOT/);
  });

  it('sends a claim whose worker died after the provider accepted it exactly once', async () => {
    const email = 'died-after-welcome@example.net';
    const id = await owedWelcome(email);
    const group = (await welcomeMail.claimOwed(h.app.db))!;
    expect(group.readers.map((r) => r.id)).toEqual([id]);
    const emails = await welcomeEmails(h.app, group);
    expect((await h.app.mailer.sendBatch(emails, owedIdempotencyKey('welcome', group))).kind).toBe('accepted');
    // …and died before recording it: the row still holds the claim. The retried job replays it.
    // (No fake.reset() here: that would also forget the provider's idempotency records.)
    const before = h.fake.requests.length;
    const replays = h.fake.replays;
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(h.fake.replays - replays).toBe(1);
    expect(h.fake.requests.slice(before).map((r) => r.outcome)).toEqual(['replayed']);
    expect(welcomesTo(email)).toHaveLength(1);
    expect(await reader(email)).toMatchObject({ welcome_claim: null, welcome_owed_at: null, welcome_sent_at: group.claimedAt });
    // Once more: nothing to do.
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(h.fake.requests).toHaveLength(before + 1);
  });

  it('a claim whose worker died before the request is sent once by the retry, with the claim’s key', async () => {
    const email = 'died-before-welcome@example.net';
    await owedWelcome(email);
    const group = (await welcomeMail.claimOwed(h.app.db))!;
    h.fake.reset();
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(welcomesTo(email)).toHaveLength(1);
    expect(welcomesTo(email)[0]!.idempotencyKey).toBe(owedIdempotencyKey('welcome', group));
  });

  it('a reader who left before their welcome went out is not welcomed', async () => {
    const email = 'left-early@example.net';
    await owedWelcome(email);
    await welcomeMail.claimOwed(h.app.db);
    await h.app.db.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE email = $1`, [email]);
    h.fake.reset();
    await wakeConfirmations(h.app.queue('confirm'), 'sweep');
    await confirmationsSettled(h);
    expect(welcomesTo(email)).toHaveLength(0);
    expect(await reader(email)).toMatchObject({ welcome_claim: null, welcome_owed_at: null, welcome_sent_at: null });
  });
});
