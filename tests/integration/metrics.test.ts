// GET /metrics on the web process and on a worker's METRICS_PORT: Prometheus text with the delivery
// counters, provider errors and the queue depths read at scrape time.
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReaders, createHarness, waitFor, type Harness } from '../support/harness.js';
import { buildServer } from '../../src/web/server.js';
import { startWorkers } from '../../workers/start.js';
import { planWeek } from '../../src/issues/plan.js';
import { approveWeek, renderWeek } from '../../src/issues/lifecycle.js';
import { fanOut } from '../../src/delivery/fanout.js';
import { bullBatchQueue } from '../../src/queue/batch-queue.js';
import { findIssue } from '../../src/issues/repo.js';
import { startVerdicts } from '../support/processes.js';
import { freePort } from '../support/ports.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** The value of one sample line, e.g. sample(text, 'verdicts_deliveries_total{outcome="sent"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}


describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '50', RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('the web process serves deliveries, provider errors and queue depths', async () => {
    const web = await buildServer(h.app);
    const workers = startWorkers(h.app, ['send']);
    try {
      await addReaders(h.app, 300);
      await planWeek(h.app.db, h.app.log, '2026-W45', { pairsPerIssue: 2 });
      await renderWeek(h.app.db, h.app.log, '2026-W45', h.app.config);
      await approveWeek(h.app.db, h.app.log, '2026-W45', 'test');
      const before = await web.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.config.adminToken}` } });
      const sentBefore = sample(before.body, 'verdicts_deliveries_total{outcome="sent"}') ?? 0;
      h.fake.failNext(1, { status: 503 });
      await fanOut(h.app.db, bullBatchQueue(h.app.queue('send')), h.app.log, { week: '2026-W45', notAfter: null });
      await waitFor(async () => (await findIssue(h.app.db, '2026-W45'))!.state === 'sent', 30_000, 'sent');

      const res = await web.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.config.adminToken}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sample(res.body, 'verdicts_deliveries_total{outcome="sent"}')! - sentBefore).toBe(300);
      expect(sample(res.body, 'verdicts_provider_errors_total{kind="transient",status="503"}')).toBeGreaterThanOrEqual(1);
      expect(sample(res.body, 'verdicts_batches_total{result="accepted"}')).toBeGreaterThanOrEqual(3);
      expect(res.body).toContain('verdicts_batch_duration_seconds_bucket');
      expect(sample(res.body, 'verdicts_queue_up')).toBe(1);
      expect(sample(res.body, 'verdicts_queue_jobs{queue="send",state="waiting"}')).toBe(0);
      expect(res.body).toContain('process_resident_memory_bytes');
    } finally {
      await workers.close();
      await web.close();
    }
  });

  it('counts accepted signups and verified webhook events by type, and nothing refused', async () => {
    const web = await buildServer(h.app);
    try {
      const scrape = async () => (await web.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${h.config.adminToken}` } })).body;
      const before = await scrape();
      const signups = () => sample(before, 'verdicts_signups_total') ?? 0;
      const events = (text: string, type: string) => sample(text, `verdicts_webhook_events_total{type="${type}"}`) ?? 0;
      const subscribe = (payload: Record<string, string>) => web.inject({ method: 'POST', url: '/subscribe', payload, headers: { accept: 'application/json' } });
      expect((await subscribe({ email: 'new.reader@example.net' })).statusCode).toBe(200);
      expect((await subscribe({ email: 'second.reader@example.net', name: 'Second' })).statusCode).toBe(200);
      expect((await subscribe({ email: 'not-an-address' })).statusCode).toBe(422);
      const deliver = (type: string, secret = WEBHOOK_SECRET) => {
        const id = `msg_${randomUUID()}`;
        const at = new Date();
        const payload = JSON.stringify({ type, created_at: at.toISOString(), data: { email_id: `re_${randomUUID()}`, to: ['someone@example.net'] } });
        const signature = new Webhook(secret).sign(id, at, payload);
        return web.inject({
          method: 'POST',
          url: '/webhooks/resend',
          payload,
          headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature },
        });
      };
      expect((await deliver('email.delivered')).statusCode).toBe(200);
      expect((await deliver('email.delivered')).statusCode).toBe(200);
      expect((await deliver('email.opened')).statusCode).toBe(200);
      expect((await deliver('email.opened', `whsec_${randomBytes(24).toString('base64')}`)).statusCode).toBe(401);

      const after = await scrape();
      expect(sample(after, 'verdicts_signups_total')! - signups()).toBe(2);
      expect(events(after, 'email.delivered') - events(before, 'email.delivered')).toBe(2);
      expect(events(after, 'email.opened') - events(before, 'email.opened')).toBe(1);
    } finally {
      await web.close();
    }
  });

  it('a worker process serves its own metrics on METRICS_PORT', async () => {
    const port = await freePort();
    const logFile = path.join(os.tmpdir(), `verdicts-metrics-${port}.log`);
    const worker = startVerdicts('sender', ['worker', 'send'], { ...h.env, LOG_LEVEL: 'info', METRICS_PORT: String(port) }, logFile);
    try {
      await worker.waitForLog('workers started', 45_000);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('# TYPE verdicts_deliveries_total counter');
      expect(sample(text, 'verdicts_queue_jobs{queue="send",state="active"}')).toBe(0);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    } finally {
      await worker.kill('SIGTERM');
      rmSync(logFile, { force: true });
    }
  });
});
