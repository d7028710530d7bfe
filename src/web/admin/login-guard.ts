// One failure counter for every way of presenting ADMIN_TOKEN (bearer, basic auth, the login form),
// shared by every web process. Two levels:
//   the client (address + User-Agent): a few free tries, then a back-off that doubles with each failure
//     up to 15 minutes, so guessing costs more and more time;
//   the address as a whole: a larger allowance, then short blocks (at most 30 s), which catch a client that
//     changes its User-Agent to dodge the first level without refusing an editor behind the same NAT
//     for long.
// A right token clears its client's count; a blocked client is refused before its token is looked at.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { WebCounters } from '../counters.js';

export const LOGIN_GUARD = {
  windowMs: 15 * 60_000,
  client: { free: 5, maxBlockMs: 15 * 60_000 },
  address: { free: 30, maxBlockMs: 30_000 },
};

export interface LoginGuard {
  /** Milliseconds this caller must still wait (0: go ahead and check the token). */
  wait(req: FastifyRequest): Promise<number>;
  failed(req: FastifyRequest): Promise<void>;
  succeeded(req: FastifyRequest): Promise<void>;
}

function keys(req: FastifyRequest) {
  const ua = createHash('sha256').update(String(req.headers['user-agent'] ?? '')).digest('base64url').slice(0, 16);
  return { client: `login:client:${req.ip}:${ua}`, address: `login:ip:${req.ip}` };
}

/** 1 s after the first failure past the allowance, doubling with each further one, up to the cap. */
function backoff(count: number, free: number, capMs: number): number {
  return count <= free ? 0 : Math.min(capMs, 1000 * 2 ** Math.min(30, count - free - 1));
}

export function loginGuard(counters: WebCounters): LoginGuard {
  return {
    async wait(req) {
      const k = keys(req);
      return counters.remaining([`${k.client}:block`, `${k.address}:block`]);
    },
    async failed(req) {
      const k = keys(req);
      const [client, address] = await Promise.all([counters.hit(k.client, LOGIN_GUARD.windowMs), counters.hit(k.address, LOGIN_GUARD.windowMs)]);
      const c = backoff(client.count, LOGIN_GUARD.client.free, LOGIN_GUARD.client.maxBlockMs);
      const a = backoff(address.count, LOGIN_GUARD.address.free, LOGIN_GUARD.address.maxBlockMs);
      await Promise.all([c ? counters.hold(`${k.client}:block`, c) : null, a ? counters.hold(`${k.address}:block`, a) : null]);
    },
    async succeeded(req) {
      const k = keys(req);
      await counters.clear([k.client, `${k.client}:block`]);
    },
  };
}
