// `npx tsx tests/bench/probe-replay.ts`: replays the requests of issue 15's probe against two real
// `verdicts web` processes (same Postgres, same Redis, their own ports) and prints what each got back.
// Not a test: the figures (how many 429s, after how many seconds a slow socket was cut) are for the
// issue's closing note; the behaviour itself is asserted by tests/integration/security-*.test.ts.
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, TEST_REDIS_URL, uniqueQueuePrefix } from '../support/db.js';
import { startVerdicts, type VerdictsProcess } from '../support/processes.js';
import { freePort } from '../support/ports.js';

const TOKEN = 'probe-admin-token-0123456789';
const results: Array<[string, string]> = [];
const report = (what: string, got: string) => {
  results.push([what, got]);
  console.log(`${what}: ${got}`);
};
const tally = (statuses: number[]) => Object.entries(statuses.reduce<Record<number, number>>((t, s) => ((t[s] = (t[s] ?? 0) + 1), t), {})).map(([s, n]) => `${n}×${s}`).join(', ');

/** A request head announcing `length` bytes, then one byte every `everyS` s; seconds until cut or answered. */
function slowSocket(port: number, head: string, everyS: number, giveUpS: number): Promise<string> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let drip: NodeJS.Timeout | undefined;
    let answer = '';
    const done = (how: string) => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve(`${how} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    };
    const giveUp = setTimeout(() => done('STILL OPEN'), giveUpS * 1000);
    socket.on('connect', () => {
      socket.write(head);
      drip = setInterval(() => socket.write('a'), everyS * 1000);
    });
    socket.on('data', (d) => {
      answer += String(d);
      done(`answered ${answer.split('\r\n')[0]}`);
    });
    socket.on('close', () => done('closed'));
    socket.on('error', () => done('reset'));
  });
}

async function main(): Promise<void> {
  const tdb = await createTestDatabase('probe');
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'verdicts-probe-'));
  const [portA, portB] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: tdb.url,
    REDIS_URL: TEST_REDIS_URL,
    PUBLIC_URL: 'https://verdicts.example.org',
    ADMIN_TOKEN: TOKEN,
    TOKEN_SECRET: 'probe-token-secret-0123456789',
    QUEUE_PREFIX: uniqueQueuePrefix('probe'),
    DATA_DIR: path.join(logDir, 'data'),
  };
  const procs: VerdictsProcess[] = [
    startVerdicts('web-a', ['web'], { ...env, PORT: String(portA) }, path.join(logDir, 'web-a.log')),
    startVerdicts('web-b', ['web'], { ...env, PORT: String(portB) }, path.join(logDir, 'web-b.log')),
  ];
  try {
    await Promise.all(procs.map((p) => p.waitForLog('web listening', 60_000)));
    const a = `http://127.0.0.1:${portA}`;
    const b = `http://127.0.0.1:${portB}`;

    // 1. 300 wrong bearer tokens (then basic auth and the form), alternating between the two processes.
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${i % 2 ? b : a}/admin`, { headers: { authorization: `Bearer wrong-${i}`, 'user-agent': 'probe' } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    report('300 wrong bearer tokens over two web processes', tally(statuses));
    const basic = await fetch(`${b}/admin`, { headers: { authorization: `Basic ${Buffer.from('x:wrong').toString('base64')}`, 'user-agent': 'probe' } });
    const form = await fetch(`${a}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'probe' }, body: 'token=wrong' });
    report('then wrong basic auth / wrong form login from the probe', `${basic.status} / ${form.status} (Retry-After ${form.headers.get('retry-after')} s)`);
    const right = await fetch(`${a}/admin`, { headers: { authorization: `Bearer ${TOKEN}`, 'user-agent': 'Mozilla/5.0 (editor)' } });
    report('the right token from an editor browser at the same address', String(right.status));

    // 2. Slow bodies and slow headers, three sockets each, a byte every 15 s as the probe did.
    const body = (p: string) => `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`;
    const slow = await Promise.all([
      ...[0, 1, 2].map(() => slowSocket(portA, body('/webhooks/resend'), 15, 150)),
      ...[0, 1, 2].map(() => slowSocket(portA, body('/admin/login'), 15, 150)),
      ...[0, 1, 2].map(() => slowSocket(portB, 'GET /issues HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 15, 150)),
    ]);
    report('slow body, POST /webhooks/resend (3 sockets)', slow.slice(0, 3).join('; '));
    report('slow body, POST /admin/login (3 sockets)', slow.slice(3, 6).join('; '));
    report('slow headers, GET /issues (3 sockets)', slow.slice(6, 9).join('; '));

    // 3. victim+1 … victim+20 from one address: how many confirmation emails were asked for.
    const answers = new Set<string>();
    for (let i = 1; i <= 20; i++) {
      const res = await fetch(`${i % 2 ? b : a}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `victim+${i}@example.com` }) });
      answers.add(`${res.status} ${((await res.json()) as { message: string }).message.replace(/victim\+\d+/, 'victim+N')}`);
    }
    const { rows } = await tdb.db.query(`SELECT count(*)::int AS n FROM confirmation_requests`);
    report('victim+1…+20@example.com: confirmations asked for', `${rows[0].n} (distinct answers: ${answers.size})`);

    // 4. The old cookie after logout.
    const login = await fetch(`${a}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'editor-2' }, body: `token=${TOKEN}`, redirect: 'manual' });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const page = await (await fetch(`${a}/admin`, { headers: { cookie, accept: 'text/html' } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const out = await fetch(`${a}/admin/logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://verdicts.example.org' }, body: `_csrf=${encodeURIComponent(csrf)}`, redirect: 'manual' });
    const after = await Promise.all([a, b].map((u) => fetch(`${u}/admin`, { headers: { cookie } })));
    report('old admin cookie after POST /admin/logout (web A, web B)', `logout ${out.status}; then ${after.map((r) => r.status).join(', ')}`);

    // 5. Malformed URL, 6. headers on 404 and /admin, 7. /metrics, 8. Origin = Host.
    const bad = await fetch(`${a}/issues/%u002e%u002e`, { headers: { accept: 'text/html' } });
    const badBody = await bad.text();
    report('GET /issues/%u002e%u002e', `${bad.status} ${bad.headers.get('content-type')}; "${/<h1[^>]*>([^<]+)</.exec(badBody)?.[1]}"; FST_ERR_BAD_URL in body: ${badBody.includes('FST_ERR_BAD_URL')}`);
    for (const [label, url] of [['404 page', `${a}/no/such/page`], ['/admin (login page)', `${a}/admin/login`], ['malformed URL', `${a}/issues/%u002e%u002e`]]) {
      const r = await fetch(url!, { headers: { accept: 'text/html' } });
      const h = ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'strict-transport-security'].map((n) => `${n}: ${r.headers.get(n) ? 'yes' : 'NO'}`);
      report(`headers on ${label} (${r.status})`, h.join(', '));
    }
    report('GET /metrics without a token', String((await fetch(`${a}/metrics`)).status));
    const hostOrigin = await fetch(`${a}/admin/logout`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'user-agent': 'editor-3', origin: `http://127.0.0.1:${portA}` }, redirect: 'manual' });
    report('POST with Origin = the Host header (not PUBLIC_URL)', String(hostOrigin.status));
  } finally {
    for (const p of procs) await p.kill('SIGTERM').catch(() => {});
    await tdb.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
