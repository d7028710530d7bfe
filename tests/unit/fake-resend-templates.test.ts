// The fake Resend's templates, driven through the real resend SDK: create, publish, get, delete, and the
// rendering of batch messages that carry `template: {id, variables}`.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Resend } from 'resend';
import type { FakeResend } from '../support/fake-resend.js';
import { fakeWithClient, TEST_FROM as FROM } from '../support/fake-resend-client.js';

let fake: FakeResend;
let resend: Resend;

beforeEach(async () => void ({ fake, resend } = await fakeWithClient()));
afterEach(() => fake.close());

async function publishedTemplate(): Promise<string> {
  const created = await resend.templates
    .create({
      name: 'issue 2026-W10',
      alias: 'issue-2026-w10',
      html: '<p>Hi {{{NAME}}}, <a href="https://x.test/u?t={{{TOKEN}}}">unsubscribe</a></p>',
      text: 'Hi {{{NAME}}}, unsubscribe: https://x.test/u?t={{{TOKEN}}}',
      variables: [
        { key: 'NAME', type: 'string', fallbackValue: 'reader' },
        { key: 'TOKEN', type: 'string' },
      ],
    })
    .publish();
  expect(created.error).toBeNull();
  return created.data!.id;
}

function message(n: number, template: { id: string; variables?: Record<string, string | number> }) {
  return { from: FROM, to: `reader${n}@example.test`, subject: 'Verdicts', template, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }, tags: [{ name: 'issue', value: '2026-W10' }] };
}

describe('fake Resend: templates', () => {
  it('creates, publishes, gets by id and by alias, and deletes a template', async () => {
    const created = await resend.templates.create({ name: 'n', alias: 'the-alias', html: '<p>{{{X}}}</p>', variables: [{ key: 'X', type: 'string' }] });
    expect(created.error).toBeNull();
    const id = created.data!.id;
    expect((await resend.templates.get(id)).data).toMatchObject({ id, alias: 'the-alias', status: 'draft', html: '<p>{{{X}}}</p>' });
    expect((await resend.templates.publish('the-alias')).error).toBeNull();
    expect((await resend.templates.get('the-alias')).data).toMatchObject({ id, status: 'published' });
    expect((await resend.templates.remove(id)).data).toMatchObject({ id, deleted: true });
    expect((await resend.templates.get(id)).error?.statusCode).toBe(404);
  });

  it('renders each message from the template with its variables and fallbacks, and captures the result', async () => {
    const id = await publishedTemplate();
    const sent = await resend.batch.send([message(1, { id, variables: { NAME: 'Ada', TOKEN: 't1' } }), message(2, { id, variables: { TOKEN: 't2' } })]);
    expect(sent.error).toBeNull();
    expect(fake.deliveries.map((d) => [d.html, d.text, d.templateId])).toEqual([
      ['<p>Hi Ada, <a href="https://x.test/u?t=t1">unsubscribe</a></p>', 'Hi Ada, unsubscribe: https://x.test/u?t=t1', id],
      ['<p>Hi reader, <a href="https://x.test/u?t=t2">unsubscribe</a></p>', 'Hi reader, unsubscribe: https://x.test/u?t=t2', id],
    ]);
  });

  it('refuses a batch with a missing or undeclared variable, or naming an unpublished or unknown template (422, nothing sent)', async () => {
    const id = await publishedTemplate();
    const draft = (await resend.templates.create({ name: 'd', html: '<p>draft</p>' })).data!.id;
    for (const [template, problem] of [
      [{ id, variables: { NAME: 'Ada' } }, /Missing variable `TOKEN`/],
      [{ id, variables: { TOKEN: 't', OTHER: 'x' } }, /`OTHER` is not declared/],
      [{ id: draft }, /not published/],
      [{ id: 'no-such-template' }, /not found/],
    ] as const) {
      const r = await resend.batch.send([message(1, { id, variables: { TOKEN: 'ok' } }), message(2, template)]);
      expect(r.error?.statusCode).toBe(422);
      expect(r.error?.message).toMatch(problem);
    }
    expect(fake.accepted()).toBe(0);
  });

  it('refuses at create: a reserved name, more than 50 variables, a placeholder not declared, a taken alias', async () => {
    for (const key of ['FIRST_NAME', 'LAST_NAME', 'EMAIL', 'UNSUBSCRIBE_URL', 'contact', 'this']) {
      const r = await resend.templates.create({ name: 'r', html: `<p>{{{${key}}}}</p>`, variables: [{ key, type: 'string' }] });
      expect(r.error?.statusCode, key).toBe(422);
      expect(r.error?.message).toMatch(/reserved/);
    }
    const many = Array.from({ length: 51 }, (_, i) => ({ key: `V${i}`, type: 'string' as const }));
    expect((await resend.templates.create({ name: 'm', html: '<p>x</p>', variables: many })).error?.message).toMatch(/Too many variables: 51/);
    expect((await resend.templates.create({ name: 'm', html: '<p>x</p>', variables: many.slice(0, 50) })).error).toBeNull();
    const undeclared = await resend.templates.create({ name: 'u', html: '<p>{{{A}}} and {{B}}</p>', variables: [{ key: 'A', type: 'string' }] });
    expect(undeclared.error?.statusCode).toBe(422);
    expect(undeclared.error?.message).toMatch(/`B` is used in the template but not declared/);
    expect((await resend.templates.create({ name: 'a', alias: 'same', html: '<p>1</p>' })).error).toBeNull();
    expect((await resend.templates.create({ name: 'a', alias: 'same', html: '<p>2</p>' })).error?.statusCode).toBe(409);
    expect(fake.templates.list().filter((t) => t.alias === 'same')).toHaveLength(1);
  });

  it('refuses every create while told to (an account without templates), and accepts again after', async () => {
    fake.control({ op: 'refuseTemplates', status: 403 });
    expect((await resend.templates.create({ name: 'x', html: '<p>x</p>' })).error?.statusCode).toBe(403);
    fake.control({ op: 'refuseTemplates', status: null });
    expect((await resend.templates.create({ name: 'x', html: '<p>x</p>' })).error).toBeNull();
  });
});
