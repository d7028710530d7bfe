// GET /feed.xml (Atom 1.0), /feed.json (JSON Feed 1.1) and /sitemap.xml: public, cacheable, and answered
// with 304 when a feed reader's validators still match (readers poll often; issues change weekly).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import { atomFeed, jsonFeed, sitemap, type Published } from '../../issues/feeds.js';

const CACHE = 'public, max-age=900';

/** RFC 9110: If-None-Match wins over If-Modified-Since; HTTP dates have whole seconds. */
function notModified(req: FastifyRequest, p: Published): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((t) => t.trim().replace(/^W\//, '') === p.etag || t.trim() === '*');
  const ims = Date.parse(String(req.headers['if-modified-since'] ?? ''));
  return Number.isFinite(ims) && Math.floor(p.lastModified.getTime() / 1000) * 1000 <= ims;
}

function answer(req: FastifyRequest, reply: FastifyReply, type: string, p: Published): FastifyReply {
  reply.header('cache-control', CACHE).header('etag', p.etag).header('last-modified', p.lastModified.toUTCString());
  if (notModified(req, p)) return reply.status(304).send();
  return reply.type(type).send(p.body);
}

export async function feedRoutes(f: FastifyInstance, app: App): Promise<void> {
  const { db, config } = app;
  f.get('/feed.xml', async (req, reply) => answer(req, reply, 'application/atom+xml; charset=utf-8', await atomFeed(db, config.publicUrl)));
  f.get('/feed.json', async (req, reply) => answer(req, reply, 'application/feed+json; charset=utf-8', await jsonFeed(db, config.publicUrl)));
  f.get('/sitemap.xml', async (req, reply) => answer(req, reply, 'application/xml; charset=utf-8', await sitemap(db, config.publicUrl)));
}
