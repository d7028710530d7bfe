// The webhook's write path: events from concurrent requests are stored together, one statement per batch
// (group commit), and each request is answered once its batch is committed, so an acknowledged event is
// never lost and a provider burst costs a few round trips instead of a transaction per event. When events
// wait faster than the database stores them, new ones are refused at once (the route answers 503 with
// Retry-After and the provider retries) instead of queueing without bound.
import type { Db } from '../db/pool.js';
import { storeProviderEvents, type EventAction, type ProviderEvent } from './provider-events.js';

export class EventsOverloaded extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many provider events waiting to be stored');
  }
}

interface Waiting {
  event: ProviderEvent;
  resolve(action: EventAction): void;
  reject(err: Error): void;
}

export interface IngestOptions {
  /** Events per statement. */
  batchSize?: number;
  /** Events waiting (not yet in a statement) before new ones are refused. */
  maxWaiting?: number;
  /** Statements in flight at once. */
  concurrency?: number;
  /** Called after each stored batch that held new delivery events (the rollup's nudge). */
  onStored?: () => void;
}

export class EventIngest {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly batchSize: number;
  private readonly maxWaiting: number;
  private readonly concurrency: number;

  constructor(
    private readonly db: Db,
    private readonly opts: IngestOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.maxWaiting = opts.maxWaiting ?? 5000;
    this.concurrency = opts.concurrency ?? 2;
  }

  /** Resolves once the event is committed (or known as a duplicate); rejects with EventsOverloaded or a database error. */
  store(event: ProviderEvent): Promise<EventAction> {
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new EventsOverloaded(5));
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      // Let the requests that arrive in the same tick join this batch.
      if (this.waiting.length === 1) setImmediate(() => this.pump());
      else if (this.waiting.length >= this.batchSize) this.pump();
    });
  }

  /** Events accepted but not yet in a statement. */
  get backlog(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.batchSize);
      this.inFlight++;
      storeProviderEvents(
        this.db,
        batch.map((w) => w.event),
      )
        .then(
          (actions) => {
            batch.forEach((w, i) => w.resolve(actions[i]!));
            if (actions.includes('recorded') || actions.includes('suppressed')) this.opts.onStored?.();
          },
          (err: Error) => batch.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
