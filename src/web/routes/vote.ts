// GET /vote?token=…&choice=ship|skip shows the tool and the choice with a confirm button; POST records it.
// The token binds reader, issue and tool; the choice comes from the button (or the query) and is checked.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { parseChoice, recordVote, voteClaims, voteContext } from '../../subscribers/votes.js';
import { VotedPage, VotePage, VoteProblemPage } from '../pages/vote.js';
import { field, sendPage, siteOf } from '../respond.js';

export async function voteRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  const personal = { personal: true };
  const problem = (reply: Parameters<typeof sendPage>[0], reason: 'invalid' | 'expired' | 'gone') =>
    sendPage(reply, reason === 'invalid' ? 400 : 410, VoteProblemPage, { site, reason }, personal);

  f.get('/vote', async (req, reply) => {
    const token = field(req.query, 'token');
    const link = voteClaims(app.config.tokenSecret, token);
    if (!link.ok) return problem(reply, link.reason);
    const ctx = await voteContext(app.db, link.claims);
    if (!ctx) return problem(reply, 'gone');
    const action = `/vote?token=${encodeURIComponent(token!)}`;
    return sendPage(reply, 200, VotePage, { site, ctx, choice: parseChoice(field(req.query, 'choice')), action }, personal);
  });

  f.post('/vote', { bodyLimit: 4096 }, async (req, reply) => {
    const token = field(req.query, 'token');
    const link = voteClaims(app.config.tokenSecret, token);
    if (!link.ok) return problem(reply, link.reason);
    const action = `/vote?token=${encodeURIComponent(token!)}`;
    const choice = parseChoice(field(req.body, 'choice') ?? field(req.query, 'choice'));
    if (!choice) {
      // No valid choice: show both buttons again rather than guess.
      const ctx = await voteContext(app.db, link.claims);
      return ctx ? sendPage(reply, 400, VotePage, { site, ctx, choice: null, action }, personal) : problem(reply, 'gone');
    }
    const ctx = await recordVote(app.db, link.claims, choice);
    if (!ctx) return problem(reply, 'gone');
    return sendPage(reply, 200, VotedPage, { site, ctx, choice, action }, personal);
  });
}
