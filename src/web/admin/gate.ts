// The gate in front of every /admin route, in one place so that any route added to the admin context
// (pages, actions, forms) is covered without doing anything: who is asking (bearer, basic auth or a
// session cookie), the shared login-failure back-off, cross-site refusal and the CSRF token on every
// unsafe request, the admin's security headers, and the login and logout routes.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyCsrf from '@fastify/csrf-protection';
import { createElement, type ReactElement } from 'react';
import type { App } from '../../app.js';
import { crossSiteReason, identifyHeader, tokenMatches, PAGE_REALM, REALM, safeNext, SESSION_COOKIE, type AdminIdentity } from './auth.js';
import { BannerContext, documentHtml } from './layout.js';
import { queuesDocument } from './queues-page.js';
import { loginGuard } from './login-guard.js';
import { LoginPage } from './pages.js';
import { endSession, findSession, startSession, SESSION_DAYS, type AdminSession } from './sessions.js';
import type { WebCounters } from '../counters.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counters shared by every web process (server.ts). */
    webCounters: WebCounters;
  }
  interface FastifyRequest {
    admin: AdminIdentity | null;
    adminSession: AdminSession | null;
    /** What @fastify/csrf-protection reads the CSRF secret from: derived from this request's session. */
    session: { _csrf?: string } | null;
  }
  interface FastifyContextConfig {
    /** Which Content-Security-Policy an admin response gets (default: the admin pages'). */
    csp?: 'email';
  }
}

const CSP = {
  // Pages: our stylesheet and script only; frames only from here (the email previews).
  page: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'",
  // An email shown in a frame: its inline styles and remote images, never a script, never a form.
  email: "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; font-src http: https: data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'",
  // bull-board's bundle (its Google web font is taken out of the page: see queues-page.ts).
  queues: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'self'; object-src 'none'",
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An admin page, with the short-runway banner when the catalog is running out (catalog-routes.ts). */
export function adminPage(reply: FastifyReply, element: ReactElement, status = 200): FastifyReply {
  const banner = reply.request.runwayBanner ?? null;
  return reply.status(status).type('text/html; charset=utf-8').send(documentHtml(createElement(BannerContext.Provider, { value: banner }, element)));
}

export function wantsHtml(req: FastifyRequest): boolean {
  return /text\/html/.test(req.headers.accept ?? '');
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export async function adminGate(admin: FastifyInstance, app: App): Promise<void> {
  const token = app.config.adminToken;
  const secure = app.config.publicUrl.startsWith('https:');
  const guard = loginGuard(admin.webCounters);
  // The CSRF secret of a session: only the holder of its cookie can have it, and it dies with the session.
  // A basic-auth browser has no session: its secret follows from the token (a bearer caller needs none).
  const csrfSecret = (key: string) => createHmac('sha256', token).update(`verdicts-admin-csrf.${key}`).digest('base64url');

  // Shared plugins may already be on the server (the reader routes use them too): add only what is missing.
  if (!admin.hasRequestDecorator('cookies')) await admin.register(fastifyCookie);
  if (!admin.hasContentTypeParser('application/x-www-form-urlencoded')) await admin.register(fastifyFormbody);
  await admin.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });
  admin.decorateRequest('admin', null);
  admin.decorateRequest('adminSession', null);
  if (!admin.hasRequestDecorator('session')) admin.decorateRequest('session', null);

  admin.addHook('onSend', async (req, reply, payload) => {
    const kind = req.routeOptions.config?.csp ?? (req.url.startsWith('/admin/queues') ? 'queues' : 'page');
    reply.header('content-security-policy', CSP[kind]);
    reply.header('x-frame-options', 'SAMEORIGIN');
    // Not "no-referrer": Chromium then sends `Origin: null` with our own forms. "same-origin" still keeps
    // admin addresses from the tool sites an email preview links to.
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-content-type-options', 'nosniff');
    // Nothing is cached unless its route says it may be (assets, a sent issue's progress).
    if (!reply.hasHeader('cache-control') && !req.url.startsWith('/admin/queues/static/')) reply.header('cache-control', 'no-store');
    if (kind === 'queues' && typeof payload === 'string' && /text\/html/.test(String(reply.getHeader('content-type') ?? ''))) return queuesDocument(payload);
    return payload;
  });

  function tooMany(req: FastifyRequest, reply: FastifyReply, waitMs: number, next: string): FastifyReply {
    const message = `Too many wrong tokens from here: wait ${seconds(waitMs)} s and try again.`;
    reply.header('retry-after', String(seconds(waitMs)));
    if (req.method === 'GET' && wantsHtml(req) || req.url.split('?')[0] === '/admin/login') return adminPage(reply, createElement(LoginPage, { next, error: message }), 429);
    return reply.status(429).type('application/json').send({ error: message });
  }

  // Who is asking: open only the login form and the stylesheet to anonymous callers. A caller that
  // presents a token is held back while its failures say so, before the token is looked at.
  admin.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path === '/admin/login' || path.startsWith('/admin/assets/')) return;
    const header = identifyHeader(req, token);
    if (header !== 'none') {
      const wait = await guard.wait(req);
      if (wait > 0) return tooMany(req, reply, wait, safeNext(req.url));
      if (header === 'wrong') await guard.failed(req);
      else {
        await guard.succeeded(req);
        req.admin = header;
        req.session = { _csrf: csrfSecret('basic') };
        return;
      }
    } else {
      const session = await findSession(app.db, token, req.cookies?.[SESSION_COOKIE]);
      if (session) {
        req.admin = { via: 'cookie', name: session.name };
        req.adminSession = session;
        req.session = { _csrf: csrfSecret(`session.${session.idHash}`) };
        return;
      }
    }
    if (req.method === 'GET' && wantsHtml(req)) {
      reply.header('www-authenticate', PAGE_REALM);
      return adminPage(reply, createElement(LoginPage, { next: safeNext(req.url) }), 401);
    }
    reply.header('www-authenticate', REALM);
    return reply.status(401).type('application/json').send({ error: 'unauthorized: send ADMIN_TOKEN as a bearer token or the basic-auth password' });
  });

  // Cross-site protection for every unsafe request, then the CSRF token unless a bearer token was sent
  // (a header a cross-site page cannot add). bull-board's own calls are JSON fetches from its page.
  admin.addHook('preHandler', (req, reply, done) => {
    if (!UNSAFE.has(req.method)) return done();
    const reason = crossSiteReason(req, app.config.publicUrl);
    if (reason) {
      reply.status(403).type('text/plain; charset=utf-8').send(reason);
      return;
    }
    const path = req.url.split('?')[0]!;
    if (path === '/admin/login' || req.admin?.via === 'bearer' || path.startsWith('/admin/queues/')) return done();
    admin.csrfProtection(req, reply, done);
  });

  // Login: a form that sets an HttpOnly, SameSite=Strict cookie naming a server-side session.
  admin.get('/login', (req, reply) => adminPage(reply, createElement(LoginPage, { next: safeNext((req.query as { next?: string }).next) })));
  admin.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    const wait = await guard.wait(req);
    if (wait > 0) return tooMany(req, reply, wait, next);
    if (!tokenMatches(body.token, token)) {
      await guard.failed(req);
      reply.header('www-authenticate', PAGE_REALM);
      return adminPage(reply, createElement(LoginPage, { next, error: 'That is not the admin token.' }), 401);
    }
    await guard.succeeded(req);
    const id = await startSession(app.db, token, 'editor');
    reply.setCookie(SESSION_COOKIE, id, { path: '/admin', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_DAYS * 86400 });
    return reply.redirect(next, 303);
  });
  admin.post('/logout', async (req, reply) => {
    await endSession(app.db, req.cookies?.[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    return reply.redirect('/admin/login', 303);
  });
}
