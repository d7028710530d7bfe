import { describe, expect, it } from 'vitest';
import { personalise, personaliseLazily, hasPlaceholder, UNSUBSCRIBE_PLACEHOLDER, votePlaceholder, type IssueForSending } from '../../src/delivery/personalize.js';
import { expiryFrom, signToken, verifyToken } from '../../src/subscribers/tokens.js';

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
    const first = JSON.stringify({ html: lazy.html, text: lazy.text });
    expect(first).toBe(JSON.stringify({ html: eager.html, text: eager.text }));
    expect(first).not.toContain('%%');
    // A retried batch must carry a byte-identical body for its idempotency key: serialising the same
    // body again, or personalising the reader afresh (the retry), gives the same bytes.
    expect(JSON.stringify({ html: lazy.html, text: lazy.text })).toBe(first);
    const retry = personaliseLazily(issue, 42, SECRET, 'https://x.example');
    expect(JSON.stringify({ html: retry.html, text: retry.text })).toBe(first);
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

  it('puts the right token at every placeholder, wherever it sits in the body', () => {
    // Placeholders first, last, side by side, repeated; a body with none comes back as it was.
    const edgy: IssueForSending = {
      ...issue,
      html: `${UNSUBSCRIBE_PLACEHOLDER}<a>${votePlaceholder(3)}${votePlaceholder(12)}</a>%% not one %%${votePlaceholder(3)}${UNSUBSCRIBE_PLACEHOLDER}`,
      text: 'no links here',
    };
    const unsub = signToken(SECRET, { purpose: 'unsubscribe', subscriberId: 9, issueId: 7, toolId: 0, expiresAt: expiryFrom(edgy.sendStartedAt, 'unsubscribe') });
    const vote = (toolId: number) => signToken(SECRET, { purpose: 'vote', subscriberId: 9, issueId: 7, toolId, expiresAt: expiryFrom(edgy.sendStartedAt, 'vote') });
    const p = personalise(edgy, 9, SECRET, 'https://x.example');
    expect(p.html).toBe(`${unsub}<a>${vote(3)}${vote(12)}</a>%% not one %%${vote(3)}${unsub}`);
    expect(p.text).toBe('no links here');
    // Another reader of the same issue, then the first again: nothing of one reader leaks into another's copy.
    expect(personalise(edgy, 10, SECRET, 'https://x.example').html).not.toContain(unsub);
    expect(personalise(edgy, 9, SECRET, 'https://x.example').html).toBe(p.html);
  });

  it('signs with the secret it is given, also when the secret changes within a process', () => {
    const a = personalise(issue, 1, SECRET, 'https://x.example');
    const b = personalise(issue, 1, 't'.repeat(40), 'https://x.example');
    const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
    expect(tokenOf(a.unsubscribeUrl)).not.toBe(tokenOf(b.unsubscribeUrl));
    expect(verifyToken('t'.repeat(40), tokenOf(b.unsubscribeUrl), 'unsubscribe').ok).toBe(true);
    expect(verifyToken(SECRET, tokenOf(b.unsubscribeUrl), 'unsubscribe')).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});
