// The fake provider's webhooks: for every email it accepts, signed events (Standard Webhooks, as Resend
// signs them) posted to our /webhooks/resend, retried like Resend's webhook service retries (any non-2xx,
// honouring Retry-After). 'before-answer' posts them and waits for their answers before the batch request
// is answered: the ledger cannot know the email ids yet, the case that used to lose every event.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface WebhookConfig {
  url: string;
  secret: string;
  /** Event types per email, posted in this order (e.g. ['email.sent', 'email.delivered']). */
  types: string[];
  timing: 'before-answer' | 'after-answer';
  /** Post every event twice with the same webhook id (a provider retry). */
  duplicate?: boolean;
  /** Post each email's events last type first (out of order). */
  reverse?: boolean;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface WebhookStats {
  /** Distinct events (webhook ids) generated. */
  events: number;
  /** Requests answered 2xx. */
  acknowledged: number;
  /** Requests answered otherwise (then retried). */
  retried: number;
  /** Events given up on after the retries (a lost event). */
  abandoned: number;
}

export class WebhookPoster {
  config: WebhookConfig | null = null;
  stats: WebhookStats = { events: 0, acknowledged: 0, retried: 0, abandoned: 0 };
  private queue: Array<() => Promise<void>> = [];
  private active = 0;

  configure(config: WebhookConfig | null): void {
    this.config = config;
    this.stats = { events: 0, acknowledged: 0, retried: 0, abandoned: 0 };
  }

  /** Posts the events of these accepted emails; resolves when every one was acknowledged (or given up). */
  deliver(emails: Array<{ id: string; to: string[] }>): Promise<void> {
    const cfg = this.config;
    if (!cfg || emails.length === 0) return Promise.resolve();
    const signer = new Webhook(cfg.secret);
    const posts: Array<Promise<void>> = [];
    for (const email of emails) {
      const types = cfg.reverse ? [...cfg.types].reverse() : cfg.types;
      for (const type of types) {
        const id = `msg_${randomUUID()}`;
        // Out of order or not, each event keeps the time it happened (sent before delivered, …).
        const createdAt = new Date(Date.now() + cfg.types.indexOf(type) * 1000).toISOString();
        const payload = JSON.stringify({ type, created_at: createdAt, data: { email_id: email.id, to: email.to, created_at: createdAt } });
        this.stats.events++;
        for (let copy = 0; copy < (cfg.duplicate ? 2 : 1); copy++) posts.push(this.enqueue(() => this.post(cfg, signer, id, payload)));
      }
    }
    return Promise.all(posts).then(() => undefined);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push(() => task().finally(resolve));
      this.drain();
    });
  }

  private drain(): void {
    const limit = this.config?.concurrency ?? 16;
    while (this.active < limit && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.active++;
      void task().finally(() => {
        this.active--;
        this.drain();
      });
    }
  }

  private async post(cfg: WebhookConfig, signer: Webhook, id: string, payload: string): Promise<void> {
    for (let attempt = 0; attempt < 30; attempt++) {
      const at = new Date();
      try {
        const r = await fetch(cfg.url, {
          method: 'POST',
          body: payload,
          headers: {
            'content-type': 'application/json',
            'svix-id': id,
            'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
            'svix-signature': signer.sign(id, at, payload),
          },
        });
        await r.arrayBuffer();
        if (r.ok) {
          this.stats.acknowledged++;
          return;
        }
        this.stats.retried++;
        const after = Number(r.headers.get('retry-after'));
        // Resend would wait the whole Retry-After; a test waits at most a second.
        await new Promise((res) => setTimeout(res, Math.min(1000, Number.isFinite(after) && after > 0 ? after * 1000 : 200)));
      } catch {
        this.stats.retried++;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    this.stats.abandoned++;
  }
}
