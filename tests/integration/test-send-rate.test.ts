// An editor's test sends go through the one delivery path: they take slots at the shared send-rate gate
// like issue batches and confirmations, so a burst of them cannot push the provider past SEND_RATE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { planWeek } from '../../src/issues/plan.js';
import { renderWeek } from '../../src/issues/lifecycle.js';
import { sendTestEmail } from '../../src/issues/test-send.js';

describe('test sends', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { SEND_RATE: '2' } });
    await planWeek(h.app.db, h.app.log, '2026-W40', { pairsPerIssue: 2 });
    await renderWeek(h.app.db, h.app.log, '2026-W40', h.app.config);
  });
  afterAll(async () => {
    await h.close();
  });

  it('keep to SEND_RATE: four at once at 2 requests/s take at least 1.5 s', async () => {
    const c = h.app.config;
    const deps = { db: h.app.db, mailer: h.app.mailer, gate: h.app.sendGate, sendRate: c.sendRate, log: h.app.log, emailFrom: c.emailFrom, publicUrl: c.publicUrl, tokenSecret: c.tokenSecret };
    const started = Date.now();
    const sent = await Promise.all(['a', 'b', 'c', 'd'].map((n) => sendTestEmail(deps, '2026-W40', `editor-${n}@example.org`, 'editor')));
    const elapsed = Date.now() - started;
    expect(sent.map((s) => s.to).sort()).toEqual(['editor-a@example.org', 'editor-b@example.org', 'editor-c@example.org', 'editor-d@example.org']);
    expect(h.fake.accepted()).toBe(4);
    // Slots 1/rate apart: the fourth leaves three intervals (3 × 500 ms) after the first.
    expect(elapsed).toBeGreaterThanOrEqual(1450);
  });
});
