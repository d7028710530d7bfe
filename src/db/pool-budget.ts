// How many Postgres connections each process opens: DATABASE_POOL_MAX, or a default per role. The README's
// connection budget table is this one. On BullMQ's PostgreSQL backend the queues share the process's pool
// (BullMQ accepts a pg.Pool), and each worker keeps one of its connections for LISTEN, so those roles get
// that many more by default.
import type { QueueBackendKind } from '../queue/connection.js';

export type ProcessPart = 'web' | 'scheduler' | 'render' | 'send';

/** Connections for queries: web requests in parallel (among them the webhook's 4 statements in flight and
 * the event rollup, with 2 left for the reader routes); a sender's 4 batches in flight and the confirmation
 * job; two renders; the scheduler's one job at a time. */
export const POOL_FOR_QUERIES: Record<ProcessPart, number> = { web: 11, send: 6, render: 4, scheduler: 3 };
/** Workers per role, each holding one LISTEN connection on the PostgreSQL backend (send also runs the
 * confirmation queue's worker). */
export const LISTEN_CONNECTIONS: Record<ProcessPart, number> = { web: 0, send: 2, render: 1, scheduler: 1 };
/** A web process gives its budget mostly to the reader routes' and the admin's own pools (src/web/server.ts);
 * its app pool keeps this many for the queues and start-up checks. */
export const WEB_APP_POOL = 2;
/** A process running several roles (`npm start`, `worker all`) shares one pool for queries. */
const MULTI_ROLE_QUERY_CAP = 12;

/** BullMQ's PostgreSQL commands use unqualified names resolved in its schema `bullmq`; a shared pool
 * reaches both that schema and ours (no table of ours has one of BullMQ's names: checked at start-up). */
export const QUEUE_SEARCH_PATH = 'public,bullmq';

export function listenConnections(parts: ProcessPart[], backend: QueueBackendKind): number {
  return backend === 'postgres' ? parts.reduce((n, p) => n + LISTEN_CONNECTIONS[p], 0) : 0;
}

/** The default DATABASE_POOL_MAX of a process running these roles on this queue backend. */
export function defaultPoolMax(parts: ProcessPart[], backend: QueueBackendKind): number {
  const queries = parts.reduce((n, p) => n + POOL_FOR_QUERIES[p], 0);
  return (parts.length > 1 ? Math.min(queries, MULTI_ROLE_QUERY_CAP) : queries) + listenConnections(parts, backend);
}
