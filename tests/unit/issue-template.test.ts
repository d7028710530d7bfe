// An issue as a provider template: rendered by the fake provider's engine with the reader's variables, it is
// byte for byte the inline email, whatever braces the content holds.
import { describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import { issueTemplateSource, readerVariables } from '../../src/delivery/issue-template.js';
import { personalise, type IssueForSending } from '../../src/delivery/personalize.js';
import { FakeTemplates } from '../support/fake-resend-templates.js';
import { startFakeResend } from '../support/fake-resend.js';

const SECRET = 'unit-test-secret-0123456789';

function issue(html: string, text: string): IssueForSending {
  return { id: 7, week: '2026-W10', subject: 's', html, text, sendStartedAt: new Date('2026-03-03T09:00:00Z') };
}

function viaTemplate(i: IssueForSending, subscriberId: number) {
  const source = issueTemplateSource(i);
  const engine = new FakeTemplates();
  const created = engine.handle('POST', '', {
    name: source.name,
    alias: source.alias,
    html: source.html,
    text: source.text,
    variables: source.variables.map((v) => ({ key: v.key, type: v.type, fallback_value: v.fallbackValue ?? null })),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body as { id: string }).id;
  engine.handle('POST', `/${id}/publish`, undefined);
  const r = engine.render({ id, variables: readerVariables(i, source, subscriberId, SECRET) });
  if ('problem' in r) throw new Error(r.problem);
  return { ...r, source };
}

describe('issue as a provider template', () => {
  it.each([
    ['triple and double braces in content', '<p>{{{FIRST_NAME}}} {{contact.email}} {{{this}}}</p><a href="https://x.test/u?t=%%UNSUBSCRIBE_TOKEN%%">u</a>'],
    ['a brace right before and after a placeholder', '<a href="https://x.test/v?t={%%VOTE_TOKEN_3%%}&c=ship">{</a>{{%%UNSUBSCRIBE_TOKEN%%}}}'],
    ['content spelling our own variable names', '<p>{{{UNSUBSCRIBE_TOKEN}}} {{{LBRACE}}} {{RBRACE}}</p>%%UNSUBSCRIBE_TOKEN%%'],
    ['braces only', '{{{{{{'],
  ])('%s: rendered = inline', (_label, html) => {
    const i = issue(html, `text ${html}`);
    const inline = personalise(i, 42, SECRET, 'https://x.test');
    const t = viaTemplate(i, 42);
    expect(t.html).toBe(inline.html);
    expect(t.text).toBe(inline.text);
  });

  it('declares one variable per token kind, and brace variables only when the content needs them', () => {
    const plain = issueTemplateSource(issue('<a href="?t=%%UNSUBSCRIBE_TOKEN%%">u</a> %%VOTE_TOKEN_3%% %%VOTE_TOKEN_3%% %%VOTE_TOKEN_9%%', 'x %%UNSUBSCRIBE_TOKEN%%'));
    expect(plain.variables.map((v) => v.key)).toEqual(['UNSUBSCRIBE_TOKEN', 'VOTE_TOKEN_3', 'VOTE_TOKEN_9']);
    expect(plain.html).toBe('<a href="?t={{{UNSUBSCRIBE_TOKEN}}}">u</a> {{{VOTE_TOKEN_3}}} {{{VOTE_TOKEN_3}}} {{{VOTE_TOKEN_9}}}');
    const braces = issueTemplateSource(issue('{{x}}', ''));
    expect(braces.variables).toEqual([{ key: 'LBRACE', type: 'string', fallbackValue: '{' }]);
    // Same issue and content, same alias; other content, another alias.
    expect(issueTemplateSource(issue('{{x}}', '')).alias).toBe(braces.alias);
    expect(plain.alias).not.toBe(braces.alias);
  });

  it('the SDK sends the brace fallbacks as the API names them (fallback_value), so the provider keeps them', async () => {
    // Guard on the seam: resend 6.38 maps fallbackValue to fallback_value; a change there would lose braces.
    const fake = await startFakeResend();
    try {
      const resend = new Resend('re_x', { baseUrl: fake.url });
      const source = issueTemplateSource(issue('{{x}} %%UNSUBSCRIBE_TOKEN%%', ''));
      const r = await resend.templates.create({ name: source.name, alias: source.alias, html: source.html, text: source.text, variables: source.variables });
      expect(r.error).toBeNull();
      expect(fake.templates.list()[0]!.variables).toEqual([
        { key: 'UNSUBSCRIBE_TOKEN', type: 'string', fallback_value: null },
        { key: 'LBRACE', type: 'string', fallback_value: '{' },
      ]);
    } finally {
      await fake.close();
    }
  });
});
