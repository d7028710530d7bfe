// The one way any email leaves: issue batches, confirmation emails and editors' test sends all come
// through here. Take a slot at the shared send-rate gate (SEND_RATE holds for every kind of request,
// across every process), make the Mailer's one request, record what came back, and apply a pause the
// provider asked for to every sender. What the outcome means for the ledger is the caller's.
import type { Logger } from 'pino';
import { metrics } from '../metrics.js';
import type { Mailer, OutgoingEmail, SendOutcome } from './mailer.js';
import type { RateGate } from './rate-gate.js';

export interface DeliveryDeps {
  mailer: Mailer;
  gate: RateGate;
  /** SEND_RATE: what the gate paces to. */
  sendRate: number;
  log: Logger;
}

export type Delivered = SendOutcome & { /** How long the request waited for its gate slot. */ waitedMs: number };

/** One provider request for up to 100 emails under one idempotency key. `fields` go on the log lines. */
export async function deliver(
  deps: DeliveryDeps,
  emails: OutgoingEmail[],
  key: string,
  fields: Record<string, unknown> = {},
  opts: { /** A small (templated) request: the gate may space it more tightly. */ lean?: boolean } = {},
): Promise<Delivered> {
  const waitStarted = Date.now();
  await deps.gate.acquire(opts.lean ?? false);
  const waitedMs = Date.now() - waitStarted;
  if (waitedMs > 1) {
    metrics.rateLimitWaits.inc({ reason: 'gate' });
    metrics.rateLimitWaitSeconds.inc(waitedMs / 1000);
  }
  const outcome = await deps.mailer.sendBatch(emails, key);
  const kind = outcome.kind === 'rate-limited' ? 'rate_limited' : outcome.kind;
  metrics.batches.inc({ result: kind });
  if (outcome.kind !== 'accepted') {
    metrics.providerErrors.inc({ kind, status: outcome.kind === 'rate-limited' ? '429' : String(outcome.status ?? 'network') });
  }
  if (outcome.kind === 'rate-limited') {
    // Every sender waits, whatever it sends: the provider's limit is one for all our requests.
    metrics.rateLimitWaits.inc({ reason: 'provider_429' });
    await deps.gate.pause(outcome.retryAfterMs);
  } else if (outcome.kind === 'accepted') {
    // The provider says its budget is spent and it is smaller than ours: every sender waits for the
    // reset. (At a budget equal to SEND_RATE, remaining hits 0 on every request of a saturated
    // second; the gate's spacing already keeps to it, and waiting a whole reset would halve the rate.)
    const rl = outcome.rateLimit;
    if (rl?.remaining === 0 && rl.resetMs && rl.limit !== null && rl.limit < deps.sendRate) {
      deps.log.warn({ ...fields, idempotencyKey: key, limit: rl.limit, resetMs: rl.resetMs }, 'provider budget below SEND_RATE is spent: senders wait for its reset');
      metrics.rateLimitWaits.inc({ reason: 'provider_budget' });
      await deps.gate.pause(rl.resetMs);
    }
  }
  return { ...outcome, waitedMs };
}
