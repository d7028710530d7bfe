// What the reader tests share: the web server on a harness app, a sent issue made by the real pipeline,
// and links read out of captured emails.
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/web/server.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { findIssue, type IssueRow } from '../../src/issues/repo.js';
import { confirmationsOwed } from '../../src/subscribers/confirmation-sender.js';
import type { Delivery } from './fake-resend.js';
import { waitFor, type Harness } from './harness.js';
import { parse, type DefaultTreeAdapterTypes } from 'parse5';

export async function readerServer(h: Harness): Promise<FastifyInstance> {
  return buildServer(h.app);
}

/** Plans, renders, approves and sends a week through the real pipeline (workers must be running). */
export async function sendIssue(h: Harness, week: string): Promise<IssueRow> {
  const { app } = h;
  await planWeek(app.db, app.log, week, { pairsPerIssue: 2 });
  await renderWeek(app.db, app.log, week, app.config);
  await approveWeek(app.db, app.log, week, 'test');
  await fanOut(app.db, bullBatchQueue(app.queue('send')), app.log, { week, notAfter: null });
  await waitFor(async () => (await findIssue(app.db, week))!.state === 'sent', 30_000, `${week} sent`);
  return (await findIssue(app.db, week))!;
}

/** Every absolute link in an email's HTML whose path is `path` (entities decoded). */
export function linksIn(html: string, path: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((href) => {
    try {
      return new URL(href).pathname === path;
    } catch {
      return false;
    }
  });
}

/** The path and query of an absolute URL, for inject(). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** The newest captured email to an address (the fake lower-cases addresses). */
export function lastMailTo(deliveries: readonly Delivery[], address: string): Delivery | undefined {
  return [...deliveries].reverse().find((d) => d.to.some((t) => t.toLowerCase() === address.toLowerCase()));
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** An h1's text in a page. */
export function heading(html: string): string {
  return (/<h1[^>]*>(.*?)<\/h1>/s.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, '');
}

/** A page's visible words as an HTML parser reads them (tags gone, references decoded, white space collapsed). */
export function shown(html: string): string {
  const words: string[] = [];
  const walk = (n: DefaultTreeAdapterTypes.ParentNode) => {
    for (const c of n.childNodes) {
      if (c.nodeName === '#text') words.push((c as DefaultTreeAdapterTypes.TextNode).value);
      else if ('childNodes' in c && !['script', 'style', 'title', 'head'].includes(c.nodeName)) walk(c);
    }
  };
  walk(parse(html));
  return words.join(' ').replace(/\s+/g, ' ').trim();
}

/** Waits until the confirmation job has nothing left: no job waiting, delayed or running, nothing owed
 * in Postgres (workers must be running). */
export async function confirmationsSettled(h: Harness, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const counts = await h.app.queue('confirm').getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0) && !(await confirmationsOwed(h.app.db));
  }, timeoutMs, 'confirmation emails sent');
}

/** For a beforeEach: every earlier confirmation sent, then the provider's record emptied. */
export async function settledAndCleared(h: Harness): Promise<void> {
  await confirmationsSettled(h);
  h.fake.reset();
}

/** Waits for the confirmation email to an address (the n-th one, counting from 1) and returns it. */
export async function confirmationTo(h: Harness, address: string, n = 1, timeoutMs = 30_000): Promise<Delivery> {
  const mine = () => h.fake.deliveries.filter((d) => d.to.some((t) => t.toLowerCase() === address.toLowerCase()));
  await waitFor(async () => mine().length >= n, timeoutMs, `confirmation ${n} to ${address}`);
  return mine()[n - 1]!;
}
