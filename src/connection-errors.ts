// `error` events of long-lived connections (Redis, BullMQ queues, the Postgres pool). The clients
// reconnect by themselves, so such an error must not crash the process; but it must not vanish either:
// each one is counted (verdicts_connection_errors_total) and logged, at most one line per source every
// ten seconds, so a Redis that is down for an hour does not write a line per reconnect attempt.
import type { Logger } from 'pino';
import { metrics } from './metrics.js';

export type ConnectionErrorSource = 'redis' | 'queue' | 'rate-gate' | 'postgres';
export type ReportConnectionError = (source: ConnectionErrorSource) => (err: Error) => void;

const LOG_EVERY_MS = 10_000;

/** A reporter per process: `report('redis')` is the listener for that source's 'error' events. */
export function connectionErrorReporter(log: Logger, everyMs = LOG_EVERY_MS, now = () => Date.now()): ReportConnectionError {
  const last = new Map<ConnectionErrorSource, { at: number; suppressed: number }>();
  return (source) => (err) => {
    metrics.connectionErrors.inc({ source });
    const seen = last.get(source);
    if (seen && now() - seen.at < everyMs) {
      seen.suppressed++;
      return;
    }
    log.warn({ source, err: err.message, suppressed: seen?.suppressed ?? 0 }, `${source} connection error (the client reconnects by itself)`);
    last.set(source, { at: now(), suppressed: 0 });
  };
}
