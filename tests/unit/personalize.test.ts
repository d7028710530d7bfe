import { describe, expect, it } from 'vitest';
import { personalise, personaliseLazily, hasPlaceholder, UNSUBSCRIBE_PLACEHOLDER, votePlaceholder, type IssueForSending } from '../../src/delivery/personalize.js';
import { verifyToken } from '../../src/subscribers/tokens.js';

const SECRET = 's'.repeat(40);
const issue: IssueForSending = {
  id: 7,
  week: '2026-W47',
  subject: 'A vs B',
  html: `<p>Ship — <a href="https://x.example/vote?token=${votePlaceholder(3)}&amp;choice=ship">ship</a></p><a href="https://x.example/unsubscribe?token=${UNSUBSCRIBE_PLACEHOLDER}">leave</a>`,
  text: `Vote: https://x.example/vote?token=${votePlaceholder(3)}&choice=ship\nLeave: https://x.example/unsubscribe?token=${UNSUBSCRIBE_PLACEHOLDER}`,
  sendStartedAt: new Date(),
};

describe('personalising an issue', () => {
  it('serialises a deferred body to exactly the bytes of the eager one, every time', () => {
    const eager = personalise(issue, 42, SECRET, 'https://x.example');
    const lazy = personaliseLazily(issue, 42, SECRET, 'https://x.example');
    expect(JSON.stringify({ html: lazy.html, text: lazy.text })).toBe(JSON.stringify({ html: eager.html, text: eager.text }));
    // A retried batch must carry a byte-identical body for its idempotency key.
    expect(JSON.stringify([lazy.html, lazy.text])).toBe(JSON.stringify([lazy.html, lazy.text]));
    expect(String(lazy.html)).toBe(eager.html);
    expect(lazy.unsubscribeUrl).toBe(eager.unsubscribeUrl);
    expect(hasPlaceholder(eager.html) || hasPlaceholder(eager.text)).toBe(false);
  });

  it("fills each reader's own signed tokens", () => {
    const a = personalise(issue, 1, SECRET, 'https://x.example');
    const b = personalise(issue, 2, SECRET, 'https://x.example');
    expect(a.html).not.toBe(b.html);
    const token = decodeURIComponent(new URL(a.unsubscribeUrl).searchParams.get('token')!);
    expect(verifyToken(SECRET, token, 'unsubscribe')).toMatchObject({ ok: true, claims: { subscriberId: 1, issueId: 7 } });
    expect(a.text).toContain(new URL(a.unsubscribeUrl).searchParams.get('token')!);
  });
});
