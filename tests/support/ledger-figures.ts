// The figures check every chaos test ends with: an issue's kept figures (src/delivery/counts.ts) equal a
// recount of its ledger rows, figure by figure (states, readers per event kind, the send's pace).
import { expect } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { recountFigures, storedFigures } from '../../src/delivery/counts.js';

export async function expectFiguresMatchRecount(db: Queryable, issueId: number): Promise<void> {
  const [stored, recount] = await Promise.all([storedFigures(db, issueId), recountFigures(db, issueId)]);
  expect(stored, `issue ${issueId}: kept figures vs a recount of the ledger`).toEqual(recount);
}
