import { describe, expect, it } from 'vitest';
import { canMove, EDITABLE_STATES, ISSUE_STATES, statesBefore, TRANSITIONS } from '../../src/issues/lifecycle.js';

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
});
