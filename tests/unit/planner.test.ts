import { describe, expect, it } from 'vitest';
import { pairKey, planPairs, type PlannerTool } from '../../src/catalog/planner.js';

const tool = (id: number, category: string, ships: number, reviews: number, pricing = 'Free'): PlannerTool => ({
  id,
  slug: `tool-${String(id).padStart(2, '0')}`,
  name: `Tool ${id}`,
  category,
  pricing,
  reviews,
  ships,
});
const none = () => ({ usedPairs: new Set<string>(), weeksSinceFeatured: new Map<number, number>() });

describe('the pair planner', () => {
  const tools = [
    tool(1, 'Dev', 6, 8, 'Paid'),
    tool(2, 'Dev', 8, 8, 'Free'),
    tool(3, 'Dev', 6, 8, 'Paid'),
    tool(4, 'Dev', 2, 8, 'Free'),
    tool(5, 'Art', 5, 8),
    tool(6, 'Art', 1, 8, 'Paid'),
    tool(7, 'Art', 0, 0), // not reviewed
    tool(8, 'Art', 3, 3), // three reviews: one short of eligible
  ];

  it('pairs only reviewed tools of the same category, each tool once', () => {
    const plan = planPairs(tools, none(), 3);
    expect(plan.pairs).toHaveLength(3);
    const used = plan.pairs.flatMap((p) => [p.a.id, p.b.id]);
    expect(new Set(used).size).toBe(used.length);
    for (const p of plan.pairs) expect(p.a.category).toBe(p.b.category);
    expect(used).not.toContain(7);
    expect(used).not.toContain(8);
  });

  it('pairs a tool only from 4 panel reviews on', () => {
    const art = [tool(5, 'Art', 5, 8), tool(8, 'Art', 3, 3)];
    expect(planPairs(art, none(), 1).pairs).toEqual([]);
    art[1] = tool(8, 'Art', 3, 4);
    expect(planPairs(art, none(), 1).pairs.map((p) => pairKey(p.a.id, p.b.id))).toEqual([pairKey(5, 8)]);
  });

  it('with enough community votes, prefers the pair where readers disagree with the panel, and says so', () => {
    // Four tools with the same panel figure and pricing: without votes every pair scores the same and the
    // slug tie-break picks 1 vs 2.
    const same = [1, 2, 3, 4].map((id) => tool(id, 'Dev', 6, 8, 'Paid'));
    expect(pairKey(planPairs(same, none(), 1).pairs[0]!.a.id, planPairs(same, none(), 1).pairs[0]!.b.id)).toBe(pairKey(1, 2));

    // Readers say ship to tool 3 (panel 75%) only 20% of the time over 10 votes; tool 4 has 4 votes, below the threshold.
    const voted = same.map((t) => (t.id === 3 ? { ...t, votes: 10, voteShips: 2 } : t.id === 4 ? { ...t, votes: 4, voteShips: 0 } : t));
    const plan = planPairs(voted, none(), 1);
    const best = plan.pairs[0]!;
    expect([best.a.id, best.b.id]).toContain(3);
    expect(best.reasons).toContain('readers disagree with the panel: Tool 3 20% community ship vs 75% panel (10 votes)');
    expect(planPairs([...voted].reverse(), none(), 1).pairs[0]).toEqual(best);

    // Below the threshold a gap counts for nothing: four votes against the panel leave the order as it was.
    const few = same.map((t) => (t.id === 4 ? { ...t, votes: 4, voteShips: 0 } : t));
    const fewBest = planPairs(few, none(), 1).pairs[0]!;
    expect(pairKey(fewBest.a.id, fewBest.b.id)).toBe(pairKey(1, 2));
    expect(fewBest.reasons.join(' ')).not.toMatch(/readers disagree/);
  });

  it('is deterministic: same inputs, same plan', () => {
    const a = planPairs(tools, none(), 2);
    const b = planPairs([...tools].reverse(), none(), 2);
    expect(b.pairs.map((p) => pairKey(p.a.id, p.b.id))).toEqual(a.pairs.map((p) => pairKey(p.a.id, p.b.id)));
  });

  it('prefers pairs whose verdicts and pricing differ', () => {
    const plan = planPairs(tools.filter((t) => t.category === 'Dev'), none(), 1);
    // 1 vs 3: same figures and pricing; 2 vs 4: 100% vs 25% and Free vs Free; 1 vs 4 / 3 vs 4: 75 vs 25 and Paid vs Free.
    const best = plan.pairs[0]!;
    expect([pairKey(1, 4), pairKey(3, 4), pairKey(2, 4)]).toContain(pairKey(best.a.id, best.b.id));
    expect(best.reasons.join(' ')).toMatch(/panel split/);
  });

  it('prefers tools not featured recently', () => {
    const history = none();
    history.weeksSinceFeatured.set(4, 1); // tool 4 was in last week's issue
    const plan = planPairs(tools.filter((t) => t.category === 'Dev'), history, 1);
    expect([plan.pairs[0]!.a.id, plan.pairs[0]!.b.id]).not.toContain(4);
    expect(plan.pairs[0]!.reasons.join(' ')).toMatch(/not featured before/);
  });

  it('never repeats a pair sent before', () => {
    const history = none();
    for (const [x, y] of [[1, 2], [1, 3], [1, 4], [2, 3], [2, 4]]) history.usedPairs.add(pairKey(x!, y!));
    const plan = planPairs(tools.filter((t) => t.category === 'Dev'), history, 2);
    expect(plan.pairs.map((p) => pairKey(p.a.id, p.b.id))).toEqual([pairKey(3, 4)]);
    expect(plan.warnings[0]).toMatch(/only 1 eligible pair of 2/);
  });

  it('plans nothing, with a reason, when no pair is left', () => {
    const history = none();
    history.usedPairs.add(pairKey(5, 6));
    const plan = planPairs(tools.filter((t) => t.category === 'Art'), history, 2);
    expect(plan.pairs).toEqual([]);
    expect(plan.warnings[0]).toMatch(/no eligible pair/);
  });
});
