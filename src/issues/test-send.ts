// A test of an issue sent to one editor's address. It goes through the same delivery path (the send-rate
// gate, the Mailer, the metrics) and the same message builder as a real send, but: the subject says "[TEST]", the links are signed for reader id 0 (nobody,
// so a click unsubscribes or votes for no one), every test has its own idempotency key, and it never
// writes a delivery row: it is recorded in test_sends only.
import type { Logger } from 'pino';
import type { Db } from '../db/pool.js';
import { buildEmail } from '../delivery/sender.js';
import type { Mailer } from '../delivery/mailer.js';
import { deliver } from '../delivery/deliver.js';
import type { RateGate } from '../delivery/rate-gate.js';
import { IssueError } from './plan.js';
import { SAMPLE_READER_ID } from './quality.js';
import * as repo from './repo.js';

export interface TestSendDeps {
  db: Db;
  mailer: Mailer;
  gate: RateGate;
  sendRate: number;
  log: Logger;
  emailFrom: string;
  publicUrl: string;
  tokenSecret: string;
}

export interface TestSendResult {
  id: number;
  to: string;
  subject: string;
  messageId: string;
  idempotencyKey: string;
}

export interface TestSendRow {
  id: number;
  to_address: string;
  requested_by: string;
  provider_message_id: string | null;
  error: string | null;
  created_at: Date;
}

const Q = {
  insert: `INSERT INTO test_sends (issue_id, to_address, requested_by) VALUES ($1, $2, $3) RETURNING id`,
  accepted: `UPDATE test_sends SET provider_message_id = $2 WHERE id = $1`,
  failed: `UPDATE test_sends SET error = $2 WHERE id = $1`,
  recent: `SELECT id, to_address, requested_by, provider_message_id, error, created_at FROM test_sends WHERE issue_id = $1 ORDER BY id DESC LIMIT $2`,
};

export const TEST_SUBJECT_PREFIX = '[TEST] ';

/** A single address, as a reader would type it; refuses lists, display names and header tricks. */
export function parseTestAddress(input: unknown): string {
  const to = typeof input === 'string' ? input.trim() : '';
  if (!to) throw new IssueError('enter the address the test should go to');
  if (to.length > 254 || !/^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/.test(to)) {
    throw new IssueError(`"${to.slice(0, 80)}" is not a single email address`);
  }
  return to;
}

export function testIdempotencyKey(week: string, issueId: number, testId: number): string {
  return `verdicts/${week}/issue-${issueId}/test-${testId}`;
}

/** Sends the week's stored render to `to`, marked as a test. Throws IssueError with a reason on failure. */
export async function sendTestEmail(deps: TestSendDeps, week: string, toInput: unknown, by: string): Promise<TestSendResult> {
  const to = parseTestAddress(toInput);
  const issue = await repo.findIssue(deps.db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}`);
  if (!issue.html || !issue.text || !issue.subject) throw new IssueError(`issue ${week} is not rendered yet: render it first`);

  const { rows } = await deps.db.query<{ id: number }>(Q.insert, [issue.id, to, by]);
  const testId = rows[0]!.id;
  const subject = TEST_SUBJECT_PREFIX + issue.subject;
  const email = buildEmail(
    deps,
    { id: issue.id, week: issue.week, subject, html: issue.html, text: issue.text, sendStartedAt: new Date() },
    SAMPLE_READER_ID,
    to,
  );
  email.tags = [...email.tags, { name: 'test', value: 'true' }];
  const key = testIdempotencyKey(week, issue.id, testId);
  const outcome = await deliver(deps, [email], key, { week, testId });
  if (outcome.kind === 'accepted') {
    const messageId = outcome.ids[0] ?? '';
    await deps.db.query(Q.accepted, [testId, messageId]);
    deps.log.info({ week, testId, mailer: deps.mailer.name, idempotencyKey: key }, 'test email sent');
    return { id: testId, to, subject, messageId, idempotencyKey: key };
  }
  const reason =
    outcome.kind === 'rate-limited'
      ? `the provider is rate-limiting us: try again in ${Math.ceil(outcome.retryAfterMs / 1000)} s`
      : `the provider refused the test: ${outcome.reason}`;
  await deps.db.query(Q.failed, [testId, reason.slice(0, 1000)]);
  deps.log.warn({ week, testId, outcome: outcome.kind, reason: outcome.reason }, 'test email not sent');
  throw new IssueError(reason);
}

export async function recentTestSends(db: Db, issueId: number, limit = 10): Promise<TestSendRow[]> {
  return (await db.query<TestSendRow>(Q.recent, [issueId, limit])).rows;
}
