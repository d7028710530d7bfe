import { describe, expect, it } from 'vitest';
import { canMove, EDITABLE_STATES, FINISHED_STATES, GOING_OUT_STATES, ISSUE_STATES, PUBLISHED_STATES, sqlStates, statesBefore, TRANSITIONS } from '../../src/issues/lifecycle.js';

describe('the issue state table', () => {
  it('never moves an issue that readers are getting, or got, anywhere but to sent', () => {
    for (const to of ISSUE_STATES) {
      expect(canMove('sending', to)).toBe(to === 'sent');
      expect(canMove('sent', to)).toBe(false);
    }
  });

  it('starts a send only from approved, and approves only what was rendered (or held after rendering)', () => {
    expect(statesBefore('sending')).toEqual(['approved']);
    expect(statesBefore('approved')).toEqual(['rendered', 'approved', 'held']);
  });

  it('lets a cancelled or missed week only be planned afresh', () => {
    expect(TRANSITIONS.cancelled).toEqual(['planned']);
    expect(TRANSITIONS.missed).toEqual(['planned']);
    expect(EDITABLE_STATES).toEqual(['planned', 'rendered', 'approved', 'held']);
  });

  it('names the lists that statements outside the repository use, as SQL lists', () => {
    expect(GOING_OUT_STATES).toEqual(['sending']);
    expect(sqlStates(GOING_OUT_STATES)).toBe("('sending')");
    expect(sqlStates(PUBLISHED_STATES)).toBe("('sending', 'sent')");
    expect(sqlStates(FINISHED_STATES)).toBe("('sent', 'cancelled', 'missed')");
    // Finished: nothing leads from there to a send but planning afresh.
    for (const s of FINISHED_STATES) expect(TRANSITIONS[s].filter((to) => to !== 'planned')).toEqual([]);
  });
});
