// The fake Resend, driven through the real resend SDK: every behaviour other tests rely on is pinned here.
import { describe, it, expect, beforeEach, afterEach, onTestFinished, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Resend, type CreateBatchOptions } from 'resend';
import { controlFakeResend, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { fakeWithClient, TEST_FROM as FROM } from '../support/fake-resend-client.js';

function issueEmail(n: number, week = '2025-W03'): CreateBatchOptions[number] {
  return {
    from: FROM,
    to: `reader${n}@example.test`,
    subject: `Verdicts for ${week}`,
    html: `<p>Hello reader ${n}</p>`,
    text: `Hello reader ${n}`,
    headers: {
      'List-Unsubscribe': `<http://localhost:3000/unsubscribe?token=t${n}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    tags: [{ name: 'issue', value: week }],
  };
}

function batch(count: number, week?: string): CreateBatchOptions {
  return Array.from({ length: count }, (_, i) => issueEmail(i, week));
}

let fake: FakeResend;
let resend: Resend;

beforeEach(async () => void ({ fake, resend } = await fakeWithClient()));
afterEach(() => fake.close());

describe('fake Resend: accepting mail', () => {
  it('accepts a batch and records each email with its headers and tags', async () => {
    const result = await resend.batch.send(batch(3), { idempotencyKey: 'issue-2025-W03/batch-0' });

    expect(result.error).toBeNull();
    const ids = result.data!.data.map((d) => d.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(fake.accepted()).toBe(3);
    expect(fake.distinctRecipients()).toBe(3);
    expect(fake.deliveries.map((d) => d.id)).toEqual(ids);
    const first = fake.deliveries[0]!;
    expect(first).toMatchObject({
      to: ['reader0@example.test'],
      from: FROM,
      subject: 'Verdicts for 2025-W03',
      html: '<p>Hello reader 0</p>',
      text: 'Hello reader 0',
      idempotencyKey: 'issue-2025-W03/batch-0',
      requestIndex: 0,
      tags: [{ name: 'issue', value: '2025-W03' }],
    });
    expect(first.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(fake.requests[0]).toMatchObject({ path: '/emails/batch', status: 200, count: 3, outcome: 'accepted' });
    expect(result.headers?.['content-type']).toBe('application/json');
  });

  it('answers POST /emails with { id } and receives snake_case fields from the SDK', async () => {
    const result = await resend.emails.send({
      from: FROM,
      to: ['a@example.test', 'B <b@example.test>'],
      subject: 'single',
      text: 'hi',
      replyTo: 'editor@example.test',
    });
    expect(result.error).toBeNull();
    expect(result.data?.id).toBe(fake.deliveries[0]!.id);
    expect(fake.countByRecipient()).toEqual(new Map([['a@example.test', 1], ['b@example.test', 1]]));
  });

  it('requires a bearer key and answers unknown paths with 404 JSON', async () => {
    const noKey = await fetch(`${fake.url}/emails`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' });

    const strict = await startFakeResend({ apiKey: 're_right' });
    try {
      const wrong = await new Resend('re_wrong', { baseUrl: strict.url }).batch.send(batch(1));
      expect(wrong.error).toMatchObject({ statusCode: 403, name: 'invalid_api_key' });
    } finally {
      await strict.close();
    }

    const missing = await fetch(`${fake.url}/nowhere`, { method: 'POST', headers: { authorization: 'Bearer k' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toMatchObject({ statusCode: 404, name: 'not_found' });
  });
});

describe('fake Resend: idempotency', () => {
  it('replays the first answer for the same key and body and records nothing new', async () => {
    const first = await resend.batch.send(batch(2), { idempotencyKey: 'k-1' });
    const again = await resend.batch.send(batch(2), { idempotencyKey: 'k-1' });

    expect(again.error).toBeNull();
    expect(again.data).toEqual(first.data);
    expect(fake.accepted()).toBe(2);
    expect(fake.deliveries).toHaveLength(2);
    expect(fake.replays).toBe(1);
    expect(fake.duplicates().size).toBe(0);
  });

  it('refuses the same key with a different body (409 invalid_idempotent_request)', async () => {
    await resend.batch.send(batch(2), { idempotencyKey: 'k-2' });
    const other = await resend.batch.send(batch(2, '2025-W04'), { idempotencyKey: 'k-2' });

    expect(other.data).toBeNull();
    expect(other.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    expect(fake.accepted()).toBe(2);
  });

  it('answers 409 concurrent_idempotent_requests while the first request with that key is in flight', async () => {
    fake.stallNext(1, 300);
    const slow = resend.batch.send(batch(1), { idempotencyKey: 'k-3' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const meanwhile = await resend.batch.send(batch(1), { idempotencyKey: 'k-3' });
    expect(meanwhile.error).toMatchObject({ statusCode: 409, name: 'concurrent_idempotent_requests' });

    const first = await slow;
    expect(first.error).toBeNull();
    const later = await resend.batch.send(batch(1), { idempotencyKey: 'k-3' });
    expect(later.data).toEqual(first.data);
    expect(fake.accepted()).toBe(1);
  });

  it('keeps keys per path', async () => {
    const single = await resend.emails.send(issueEmail(1) as Parameters<Resend['emails']['send']>[0], { idempotencyKey: 'shared' });
    const batched = await resend.batch.send(batch(1), { idempotencyKey: 'shared' });
    expect(single.error).toBeNull();
    expect(batched.error).toBeNull();
    expect(fake.accepted()).toBe(2);
  });
});

describe('fake Resend: validation', () => {
  it('fails a strict batch with 422 naming the invalid field', async () => {
    const emails = batch(3) as Array<Record<string, unknown>>;
    delete emails[1]!.subject;
    const result = await resend.batch.send(emails as unknown as CreateBatchOptions, { idempotencyKey: 'k-invalid' });

    expect(result.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(result.error?.message).toContain('`[1].subject`');
    expect(fake.accepted()).toBe(0);

    // A failed request is not remembered: the corrected body under the same key goes through.
    const fixed = await resend.batch.send(batch(3), { idempotencyKey: 'k-invalid' });
    expect(fixed.error).toBeNull();
  });

  it('names nested fields and checks types', async () => {
    const emails = batch(5) as Array<Record<string, unknown>>;
    emails[3]!.to = 42;
    const badTo = await resend.batch.send(emails as unknown as CreateBatchOptions);
    expect(badTo.error?.statusCode).toBe(422);
    expect(badTo.error?.message).toContain('`[3].to`');

    const badTag = await resend.batch.send([{ ...issueEmail(0), tags: [{ name: 'issue', value: '2025:W03' }] }]);
    expect(badTag.error?.message).toContain('`[0].tags[0].value`');
  });

  it('refuses more than 100 emails in one batch', async () => {
    const result = await resend.batch.send(batch(101));
    expect(result.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(fake.accepted()).toBe(0);
  });

  it('in permissive mode accepts the valid emails and lists the invalid ones', async () => {
    const emails = batch(3) as Array<Record<string, unknown>>;
    delete emails[2]!.from;
    const result = await resend.batch.send(emails as unknown as CreateBatchOptions, { batchValidation: 'permissive' });
    expect(result.data?.data).toHaveLength(2);
    expect(result.data?.errors).toEqual([{ index: 2, message: 'Missing `[2].from` field.' }]);
    expect(fake.accepted()).toBe(2);
  });
});

describe('fake Resend: rate limit and failures', () => {
  it('answers 429 over the limit, with retry-after visible in the SDK result headers', async () => {
    // The fake counts by Date.now(): its clock is moved on past the one-second window instead of waited out.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    fake.setRateLimit(2);
    const ok = await resend.batch.send(batch(1));
    await resend.batch.send(batch(1));
    const limited = await resend.batch.send(batch(1));

    expect(ok.headers?.['ratelimit-limit']).toBe('2');
    expect(ok.headers?.['ratelimit-remaining']).toBe('1');
    expect(limited.error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(limited.headers?.['retry-after']).toBe('1');
    expect(limited.headers?.['ratelimit-remaining']).toBe('0');
    expect(limited.headers?.['ratelimit-reset']).toBe('1');
    expect(fake.rateLimited).toBe(1);
    expect(fake.accepted()).toBe(2);

    vi.setSystemTime(Date.now() + 999);
    expect((await resend.batch.send(batch(1))).error?.statusCode).toBe(429);
    vi.setSystemTime(Date.now() + 51);
    expect((await resend.batch.send(batch(1))).error).toBeNull();
  });

  it('failNext fails before recording; the retry with the same key then succeeds once', async () => {
    fake.failNext(1, { status: 500 });
    const failed = await resend.batch.send(batch(2), { idempotencyKey: 'k-fail' });
    expect(failed.error).toMatchObject({ statusCode: 500, name: 'internal_server_error' });
    expect(fake.accepted()).toBe(0);

    const retried = await resend.batch.send(batch(2), { idempotencyKey: 'k-fail' });
    expect(retried.error).toBeNull();
    expect(fake.accepted()).toBe(2);
    expect(fake.replays).toBe(0);
  });

  it('acceptThenDrop: the SDK sees a network error, the retry with the same key gets the recorded ids', async () => {
    fake.acceptThenDropNext(1);
    const dropped = await resend.batch.send(batch(2), { idempotencyKey: 'k-drop' });
    expect(dropped.data).toBeNull();
    expect(dropped.error).toMatchObject({ statusCode: null, name: 'application_error' });
    expect(dropped.headers).toBeNull();
    expect(fake.accepted()).toBe(2);

    const retried = await resend.batch.send(batch(2), { idempotencyKey: 'k-drop' });
    expect(retried.error).toBeNull();
    expect(retried.data!.data.map((d) => d.id)).toEqual(fake.deliveries.map((d) => d.id));
    expect(fake.accepted()).toBe(2);
    expect(fake.replays).toBe(1);
  });

  it('chaos drops alternate between before and after accepting', async () => {
    fake.failRandomly({ probability: 1, kinds: ['drop'], seed: 7 });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await resend.batch.send([issueEmail(i)], { idempotencyKey: `chaos-${i}` }));
    expect(results.every((r) => r.error?.statusCode === null)).toBe(true);
    expect(fake.accepted()).toBe(2);
    expect(fake.stats()).toMatchObject({ dropped: 2, acceptedDropped: 2 });

    fake.calm();
    for (let i = 0; i < 4; i++) await resend.batch.send([issueEmail(i)], { idempotencyKey: `chaos-${i}` });
    expect(fake.accepted()).toBe(4);
    expect(fake.duplicates().size).toBe(0);
  });

  it('chaos slow answers late but accepts', async () => {
    fake.failRandomly({ probability: 1, kinds: ['slow'], slowMs: { min: 200, max: 200 } });
    const started = Date.now();
    const result = await resend.batch.send(batch(1));
    expect(result.error).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(fake.accepted()).toBe(1);
  });

  it('close() abandons a stalled request without recording it', async () => {
    fake.stall(10_000);
    const pending = resend.batch.send(batch(1), { idempotencyKey: 'k-stalled' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fake.close();
    const result = await pending;
    expect(result.error?.statusCode).toBeNull();
    expect(fake.accepted()).toBe(0);
  });

  it('with keepBodies false keeps only counters and recipient fingerprints, and still counts duplicates', async () => {
    const lean = await startFakeResend({ keepBodies: false });
    try {
      const client = new Resend('re_lean', { baseUrl: lean.url });
      await client.batch.send(batch(3), { idempotencyKey: 'lean' });
      await client.batch.send(batch(3), { idempotencyKey: 'lean' });
      expect(lean.accepted()).toBe(3);
      expect(lean.replays).toBe(1);
      expect(lean.stats()).toMatchObject({ requests: 2, distinctRecipients: 3, duplicateRecipients: 0 });
      // The same readers again under a new key: a real duplicate, counted as one.
      await client.batch.send(batch(2), { idempotencyKey: 'lean-again' });
      expect(lean.stats()).toMatchObject({ accepted: 5, distinctRecipients: 3, duplicateRecipients: 2 });
      expect(lean.distinctRecipients()).toBe(3);
      expect(lean.deliveries).toHaveLength(0);
      expect(lean.requests).toHaveLength(0);
      expect(() => lean.countByRecipient()).toThrow(/keeps no addresses/);
      const refused = await fetch(`${lean.url}/__control`, { method: 'POST', body: JSON.stringify({ op: 'recipients' }) });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toMatch(/keeps no addresses/);
    } finally {
      await lean.close();
    }
  });

  it('is steerable over POST /__control', async () => {
    await controlFakeResend(fake.url, { op: 'failNext', n: 1, status: 503 });
    const failed = await resend.batch.send(batch(1));
    expect(failed.error?.statusCode).toBe(503);
    await resend.batch.send(batch(1));
    const { stats, recipients } = await controlFakeResend(fake.url, { op: 'recipients' });
    expect(stats).toMatchObject({ requests: 2, accepted: 1, failed: 1, byStatus: { '200': 1, '503': 1 } });
    expect(recipients).toEqual({ 'reader0@example.test': 1 });

    await controlFakeResend(fake.url, { op: 'reset' });
    expect(fake.accepted()).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('fake Resend: its own process', () => {
  it('prints its URL, serves requests and exits cleanly on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../support/fake-resend-main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0', '--rate', '50'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`fake exited early with ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const result = await new Resend('re_bench', { baseUrl: url }).batch.send(batch(3));
      expect(result.error).toBeNull();
      expect(result.headers?.['ratelimit-limit']).toBe('50');
      const { stats } = await controlFakeResend(url, { op: 'stats' });
      expect(stats.accepted).toBe(3);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    }
  });
});
