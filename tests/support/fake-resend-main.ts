// Runs the fake Resend in its own process, for benchmarks: `tsx tests/support/fake-resend-main.ts --port 0 --rate 10`.
// Prints one JSON line {"url": "..."} once listening; steer it with POST <url>/__control (see controlFakeResend).
// Flags: --port N (0 = random, default), --rate R (requests/s per API key; 0 or absent = unlimited),
// --api-key K (accept only this key), --keep-bodies (record every delivery; off by default to stay lean),
// --gateway (count the rate limit on arrival in a gateway thread in front of the fake: see
// fake-resend-gateway-worker.mjs; clients then talk to the gateway's port).
import { startFakeResend } from './fake-resend.js';
import { startFakeResendGateway, type FakeResendGateway } from './fake-resend-gateway.js';
import { rateWindow } from './sliding-window.mjs';

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return args[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function numberFlag(name: string, fallback: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`fake-resend: --${name} must be a non-negative number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

const port = numberFlag('port', 0);
const rate = numberFlag('rate', 0);
const apiKey = flag('api-key');

const useGateway = process.argv.includes('--gateway');
let gateway: FakeResendGateway | undefined;
const fake = await startFakeResend({
  port: useGateway ? 0 : port,
  rateLimit: rate > 0 ? { requestsPerSecond: rate } : null,
  keepBodies: process.argv.includes('--keep-bodies'),
  ...(apiKey !== undefined ? { apiKey } : {}),
  ...(useGateway ? { gateway: { onRateChange: (r) => gateway!.setRate(r) } } : {}),
});
if (useGateway) {
  gateway = await startFakeResendGateway({
    port,
    upstreamPort: fake.port,
    rate: rate > 0 ? rateWindow(rate) : null,
    ...(apiKey !== undefined ? { apiKey } : {}),
  });
}
process.stdout.write(`${JSON.stringify({ url: gateway ? `http://127.0.0.1:${gateway.port}` : fake.url })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway?.close();
  await fake.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
