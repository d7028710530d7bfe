// How the public routes answer: an HTML page rendered from a component, or JSON for API callers.
import { createElement, type FunctionComponent } from 'react';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { renderPage, type Site } from './pages/layout.js';

export function siteOf(app: App): Site {
  return { publicUrl: app.config.publicUrl, mailingAddress: app.config.mailingAddress };
}

/**
 * Sends a page. `personal` pages were reached through a reader's own link: never cached by anyone, never
 * indexed (the token is in the URL).
 */
export function sendPage<P extends object>(
  reply: FastifyReply,
  status: number,
  component: FunctionComponent<P>,
  props: P,
  opts: { personal?: boolean } = {},
): FastifyReply {
  reply.status(status).type('text/html; charset=utf-8');
  if (opts.personal) reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
  return reply.send(renderPage(createElement(component, props)));
}

/** An API caller (JSON body, or asking for JSON only) gets JSON back; a browser gets a page. */
export function wantsJson(req: FastifyRequest): boolean {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/json')) return true;
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** A string field of the query or body; anything else (missing, array, object) is undefined. */
export function field(source: unknown, name: string): string | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  const v = (source as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}
