// GET /vote?token=…&choice=ship|skip shows the tool and the choice with a confirm button; POST records it.
// The token binds reader, issue and tool; the choice comes from the button (or the query) and is checked.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.js';
import { parseChoice, recordVote, voteClaims, voteContext } from '../../subscribers/votes.js';
import { VotedPage, VotePage, VoteProblemPage } from '../pages/vote.js';
import { field, personalPage, signedLinkRoutes, siteOf } from '../respond.js';

export async function voteRoutes(f: FastifyInstance, app: App): Promise<void> {
  const site = siteOf(app);
  signedLinkRoutes(f, app, {
    path: '/vote',
    verify: voteClaims,
    Problem: VoteProblemPage,
    get: async ({ req, claims, action }) => {
      const ctx = await voteContext(app.db, claims);
      return ctx ? personalPage(VotePage, { site, ctx, choice: parseChoice(field(req.query, 'choice')), action }) : 'gone';
    },
    post: async ({ req, claims, action }) => {
      const choice = parseChoice(field(req.body, 'choice') ?? field(req.query, 'choice'));
      if (!choice) {
        // No valid choice: show both buttons again rather than guess.
        const ctx = await voteContext(app.db, claims);
        return ctx ? personalPage(VotePage, { site, ctx, choice: null, action }, 400) : 'gone';
      }
      const ctx = await recordVote(app.db, claims, choice);
      return ctx ? personalPage(VotedPage, { site, ctx, choice, action }) : 'gone';
    },
  });
}
