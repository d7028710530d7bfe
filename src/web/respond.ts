// How the public routes answer: an HTML page rendered from a component, or JSON for API callers.
import { createElement, type FunctionComponent } from 'react';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { TokenClaims } from '../subscribers/tokens.js';
import { renderPage, type Site } from './pages/layout.js';
import type { LinkProblem } from './pages/messages.js';

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

/** A page to send later, once a handler knows which: see `signedLinkRoutes`. */
type Answer = (reply: FastifyReply) => FastifyReply;

/** A page reached through a reader's own link, as an `Answer`. */
export function personalPage<P extends object>(component: FunctionComponent<P>, props: P, status = 200): Answer {
  return (reply) => sendPage(reply, status, component, props, { personal: true });
}

/** What a handler of a signed link gets: the request, the verified token's claims, and the link's own
 * address (where the page's button POSTs). */
export interface SignedLink {
  req: FastifyRequest;
  claims: TokenClaims;
  action: string;
}

/**
 * GET and POST `path`?token=… for a reader's signed link (keep, vote): the GET shows a button and changes
 * nothing (mail scanners open links), the button POSTs to the same address. Both verify the token first; a
 * bad one gets `Problem` (400 tampered or cut short, 410 expired), as does a handler answering 'gone' (the
 * reader or what the link names no longer exists). Every page is personal (never cached, never indexed).
 */
export function signedLinkRoutes(
  f: FastifyInstance,
  app: App,
  opts: {
    path: string;
    verify: (secret: string, token: unknown) => { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid' | 'expired' };
    Problem: FunctionComponent<{ site: Site; reason: LinkProblem }>;
    get: (link: SignedLink) => Promise<Answer | 'gone'>;
    post: (link: SignedLink) => Promise<Answer | 'gone'>;
  },
): void {
  const site = siteOf(app);
  const problem = (reason: LinkProblem) => personalPage(opts.Problem, { site, reason }, reason === 'invalid' ? 400 : 410);
  const handle = (answer: (link: SignedLink) => Promise<Answer | 'gone'>) => async (req: FastifyRequest, reply: FastifyReply) => {
    const token = field(req.query, 'token');
    const link = opts.verify(app.config.tokenSecret, token);
    if (!link.ok) return problem(link.reason)(reply);
    const page = await answer({ req, claims: link.claims, action: `${opts.path}?token=${encodeURIComponent(token!)}` });
    return (page === 'gone' ? problem('gone') : page)(reply);
  };
  f.get(opts.path, handle(opts.get));
  f.post(opts.path, { bodyLimit: 4096 }, handle(opts.post));
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
