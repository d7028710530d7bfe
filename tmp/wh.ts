import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createHarness } from '../tests/support/harness.js';
import { buildServer } from '../src/web/server.js';
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const h = await createHarness({ catalog: false, env: { RESEND_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' } });
const web = await buildServer(h.app);
const signer = new Webhook(SECRET);
const N = 2000;
let t = performance.now();
for (let i = 0; i < 200; i++) signer.sign('x', new Date(), '{"a":1}');
console.log('sign x200', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  while (next++ < N) {
    const id = `msg_${randomUUID()}`; const at = new Date();
    const payload = JSON.stringify({ type: 'email.clicked', created_at: at.toISOString(), data: { email_id: 're_' + id, to: ['x@example.net'] } });
    const r = await web.inject({ method: 'POST', url: '/webhooks/resend', payload, headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signer.sign(id, at, payload) } });
    if (r.statusCode !== 200) console.log(r.statusCode, r.body);
  }
}));
console.log(N, 'events in', ((performance.now() - t) / 1000).toFixed(1), 's =', (N / ((performance.now() - t) / 1000)).toFixed(0), '/s');
await web.close(); await h.close();
