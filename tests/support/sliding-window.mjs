// The fake provider's rate limit: a sliding window log per API key. Plain JavaScript, because the gateway
// thread (fake-resend-gateway-worker.mjs) uses it too and a worker thread does not get tsx's loader.

/** At most `limit` admitted requests in any `windowMs`. */
export class SlidingWindow {
  stamps = [];
  head = 0;

  /** Counts a request arriving at `now` (stamps must come in arrival order). */
  hit(now, limit, windowMs) {
    while (this.head < this.stamps.length && this.stamps[this.head] <= now - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
    const used = this.stamps.length - this.head;
    const allowed = used < limit;
    if (allowed) this.stamps.push(now);
    const oldest = this.stamps[this.head] ?? now;
    const resetSeconds = Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    return { allowed, remaining: Math.max(0, limit - used - (allowed ? 1 : 0)), resetSeconds };
  }
}

/** Requests per second as a window: R ≥ 1 is floor(R) per second; below 1, one per 1/R seconds. */
export function rateWindow(requestsPerSecond) {
  if (!(requestsPerSecond > 0)) throw new Error(`rate limit must be a positive number, got ${requestsPerSecond}`);
  return requestsPerSecond >= 1
    ? { limit: Math.floor(requestsPerSecond), windowMs: 1000 }
    : { limit: 1, windowMs: Math.round(1000 / requestsPerSecond) };
}
