// The fake provider's gateway thread: it counts the rate limit when a request arrives, as Resend's gateway
// does, even while the fake's own event loop is busy with an earlier request's body.
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { Resend } from 'resend';
import { startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { startFakeResendGateway, type FakeResendGateway } from '../support/fake-resend-gateway.js';
import { rateWindow } from '../support/sliding-window.mjs';

const email = (n: number) => ({ from: 'Verdicts <v@example.test>', to: [`reader${n}@example.test`], subject: 's', html: '<p>hi</p>' });

let fake: FakeResend | undefined;
let gateway: FakeResendGateway | undefined;

async function start(requestsPerSecond: number): Promise<string> {
  let gw: FakeResendGateway | undefined;
  fake = await startFakeResend({ rateLimit: { requestsPerSecond }, gateway: { onRateChange: (r) => gw!.setRate(r) } });
  gw = gateway = await startFakeResendGateway({ port: 0, upstreamPort: fake.port, rate: rateWindow(requestsPerSecond) });
  return `http://127.0.0.1:${gw.port}`;
}

afterEach(async () => {
  await gateway?.close();
  await fake?.close();
  gateway = fake = undefined;
});

describe('the fake provider behind its gateway thread', () => {
  it('answers as the fake does: accepted with ratelimit headers, then 429 once the budget is spent', async () => {
    const url = await start(2);
    const resend = new Resend('re_key', { baseUrl: url });
    const first = await resend.batch.send([email(1)]);
    expect(first.error).toBeNull();
    expect(first.headers?.['ratelimit-remaining']).toBe('1');
    expect((await resend.batch.send([email(2)])).error).toBeNull();
    const third = await resend.batch.send([email(3)]);
    expect(third.error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
    expect(third.headers?.['ratelimit-remaining']).toBe('0');
    expect(fake!.stats()).toMatchObject({ accepted: 2, rateLimited: 1 });
  });

  it('follows rate-limit changes made over the control endpoint, and ignores a verdict header sent by a client', async () => {
    const url = await start(1);
    const resend = new Resend('re_key', { baseUrl: url });
    expect((await resend.batch.send([email(1)])).error).toBeNull();
    // A client claiming the gateway's approval is still counted by the gateway.
    const spoofed = await resend.batch.send([email(2)], { headers: { 'x-fake-gateway': JSON.stringify({ at: Date.now(), allowed: true, remaining: 9, resetSeconds: 1 }) } } as never);
    expect(spoofed.error?.statusCode).toBe(429);
    const control = (op: object) => fetch(`${url}/__control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) });
    expect((await control({ op: 'setRateLimit', requestsPerSecond: null })).status).toBe(200);
    for (let i = 3; i < 8; i++) expect((await resend.batch.send([email(i)])).error).toBeNull();
    // reset: back to the starting limit of 1 per second, counted afresh.
    expect((await control({ op: 'reset' })).status).toBe(200);
    expect((await resend.batch.send([email(9)])).error).toBeNull();
    expect((await resend.batch.send([email(10)])).error?.statusCode).toBe(429);
  });

  it("counts requests by when they arrived, not by when the fake's busy event loop got to them", async () => {
    const url = await start(2);
    // A client in a thread of its own sends three requests 600 ms apart: no second holds more than two.
    const client = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const send = (n) => fetch(workerData.url + '/emails/batch', { method: 'POST',
         headers: { authorization: 'Bearer re_key', 'content-type': 'application/json' },
         body: JSON.stringify([{ from: 'v@example.test', to: ['r' + n + '@example.test'], subject: 's', html: '<p>hi</p>' }]) }).then((r) => r.status);
       parentPort.once('message', async () => {
         const statuses = [];
         for (let n = 0; n < 3; n++) { statuses.push(send(n)); await new Promise((r) => setTimeout(r, 600)); }
         parentPort.postMessage(await Promise.all(statuses));
       });`,
      { eval: true, workerData: { url } },
    );
    const answered = new Promise<number[]>((resolve) => client.once('message', resolve));
    client.postMessage('go');
    // Meanwhile the fake's event loop (this thread) is busy for 1.5 s, as with a long batch to parse: all
    // three requests wait for it, and a fake counting them only then would see three in one second.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      /* busy */
    }
    expect(await answered).toEqual([200, 200, 200]);
    await client.terminate();
    expect(fake!.stats()).toMatchObject({ accepted: 3, rateLimited: 0 });
  });
});
