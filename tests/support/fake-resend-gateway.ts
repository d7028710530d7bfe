// Starts the fake provider's gateway thread (fake-resend-gateway-worker.mjs) in front of a running fake:
// clients talk to the gateway's port, which counts the rate limit on arrival and forwards everything.
import { Worker } from 'node:worker_threads';
import type { RateWindow } from './sliding-window.mjs';

export interface FakeResendGateway {
  port: number;
  /** The fake's rate limit changed (setRateLimit, reset): the gateway counts by the new one from now on. */
  setRate(rate: RateWindow | null): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeResendGateway(opts: { port: number; upstreamPort: number; rate: RateWindow | null; apiKey?: string }): Promise<FakeResendGateway> {
  const worker = new Worker(new URL('./fake-resend-gateway-worker.mjs', import.meta.url), { workerData: opts });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', function first(m: { listening?: number }) {
      if (m.listening === undefined) return;
      worker.off('message', first);
      worker.off('error', reject);
      resolve(m.listening);
    });
  });
  let nextId = 0;
  return {
    port,
    setRate(rate) {
      const id = nextId++;
      return new Promise<void>((resolve) => {
        const onAck = (m: { ack?: number }) => {
          if (m.ack !== id) return;
          worker.off('message', onAck);
          resolve();
        };
        worker.on('message', onAck);
        worker.postMessage({ op: 'setRate', id, rate });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
