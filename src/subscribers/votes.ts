// Community votes: each issue carries ship/skip links per tool, signed per reader. One vote per reader per
// tool (the table's primary key), changeable: a later vote replaces the earlier one.
import type { Queryable } from '../db/pool.js';
import { communityFigures } from '../issues/compose.js';
import { PUBLISHED_STATES } from '../issues/lifecycle.js';
import type { ToolCard } from '../issues/view.js';
import { verifyToken, type TokenClaims } from './tokens.js';
import { engagedSet } from './sunset.js';

export type Choice = 'ship' | 'skip';

export function parseChoice(raw: unknown): Choice | null {
  return raw === 'ship' || raw === 'skip' ? raw : null;
}

export type VoteLink = { ok: true; claims: TokenClaims } | { ok: false; reason: 'invalid' | 'expired' };

export function voteClaims(secret: string, token: unknown): VoteLink {
  const check = verifyToken(secret, token, 'vote');
  if (check.ok) return check.claims.toolId > 0 && check.claims.issueId > 0 ? { ok: true, claims: check.claims } : { ok: false, reason: 'invalid' };
  return { ok: false, reason: check.reason === 'expired' ? 'expired' : 'invalid' };
}

export interface VoteContext {
  toolId: number;
  toolName: string;
  tagline: string;
  week: string;
  /** "Cursor vs Aider": the comparison the vote came from. */
  pair: string;
  current: Choice | null;
  community: ToolCard['community'];
}

const sql = String.raw;

// The tool must belong to a comparison of an issue that went out, and the reader must still exist.
const CONTEXT = sql`
  SELECT t.id AS "toolId", t.name AS "toolName", t.tagline, i.week,
         ta.name || ' vs ' || tb.name AS pair, v.choice AS current
  FROM issues i
  JOIN comparisons c ON c.issue_id = i.id AND $3::bigint IN (c.tool_a_id, c.tool_b_id)
  JOIN tools t ON t.id = $3
  JOIN tools ta ON ta.id = c.tool_a_id
  JOIN tools tb ON tb.id = c.tool_b_id
  JOIN subscribers s ON s.id = $1
  LEFT JOIN votes v ON v.subscriber_id = s.id AND v.tool_id = t.id
  WHERE i.id = $2 AND i.state = ANY($4::text[])
  LIMIT 1`;
// The same conditions, checked in the statement that writes, so a vote never outlives its reader. A vote
// is a sign of life: the reader's idle count for the sunset starts over (src/subscribers/sunset.ts).
const RECORD = sql`
  WITH voted AS (
  INSERT INTO votes (subscriber_id, tool_id, issue_id, choice)
  SELECT s.id, $3, i.id, $4
  FROM subscribers s
  JOIN issues i ON i.id = $2 AND i.state = ANY($5::text[])
  WHERE s.id = $1 AND EXISTS (SELECT 1 FROM comparisons c WHERE c.issue_id = i.id AND $3::bigint IN (c.tool_a_id, c.tool_b_id))
  ON CONFLICT (subscriber_id, tool_id) DO UPDATE SET choice = EXCLUDED.choice, issue_id = EXCLUDED.issue_id, updated_at = now()
  RETURNING subscriber_id, choice),
  engaged AS (UPDATE subscribers s SET ${engagedSet('now()')} FROM voted WHERE s.id = voted.subscriber_id)
  SELECT choice FROM voted`;

/** What the vote page shows; null when the link no longer matches a reader and a sent comparison. */
export async function voteContext(db: Queryable, claims: TokenClaims): Promise<VoteContext | null> {
  const { rows } = await db.query(CONTEXT, [claims.subscriberId, claims.issueId, claims.toolId, PUBLISHED_STATES]);
  const row = rows[0];
  if (!row) return null;
  const community = (await communityFigures(db, [claims.toolId])).get(claims.toolId)!;
  return { ...row, community };
}

/** Records (or changes) the reader's vote; null when the link no longer matches. */
export async function recordVote(db: Queryable, claims: TokenClaims, choice: Choice): Promise<VoteContext | null> {
  try {
    const { rowCount } = await db.query(RECORD, [claims.subscriberId, claims.issueId, claims.toolId, choice, PUBLISHED_STATES]);
    if (!rowCount) return null;
  } catch (err) {
    // The reader or the tool was deleted between the check and the write.
    if ((err as { code?: string }).code === '23503') return null;
    throw err;
  }
  return voteContext(db, claims);
}
