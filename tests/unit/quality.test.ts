// The quality gate: every template in emails/ passes it with its PreviewProps (so the preview shows real
// content), and each check catches the slip it is for. Plus the scheduled slot an approval is judged by.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createElement, type ComponentType } from 'react';
import { render } from '@react-email/render';
import { checkEmail, checkIssue, GMAIL_CLIP_BYTES, describeFailures } from '../../src/issues/quality.js';
import { renderIssueEmail } from '../../src/issues/render.js';
import { scheduledSlot } from '../../src/issues/approval.js';
import { parseTestAddress } from '../../src/issues/test-send.js';
import { buildPreviewIssue, loadSampleCatalog } from '../../emails/_components/preview-data.js';
import { WeeklyIssue } from '../../emails/weekly-issue.js';
import type { IssueView } from '../../src/issues/view.js';

const EMAILS = path.resolve(import.meta.dirname, '../../emails');
const templates = readdirSync(EMAILS).filter((f) => f.endsWith('.tsx') && !f.startsWith('_'));

type Template = ComponentType<any> & { PreviewProps?: Record<string, any> };

/** A template's HTML and text as a reader would get them; the issue's text part has its own renderer. */
async function renderTemplate(file: string): Promise<{ html: string; text: string; publicUrl: string; props: Record<string, any> }> {
  const mod = (await import(path.join(EMAILS, file))) as { default: Template };
  const props = mod.default.PreviewProps!;
  if (props.view) {
    const { html, text } = await renderIssueEmail(props.view as IssueView);
    return { html, text, publicUrl: props.view.publicUrl, props };
  }
  const el = createElement(mod.default, props);
  return { html: await render(el), text: await render(el, { plainText: true }), publicUrl: props.publicUrl, props };
}

describe('every template with its PreviewProps', () => {
  it('finds the templates', () => {
    expect(templates).toContain('weekly-issue.tsx');
  });

  for (const file of templates) {
    it(`${file}: realistic preview content that passes the quality gate`, async () => {
      const mod = (await import(path.join(EMAILS, file))) as { default: Template };
      expect(mod.default.PreviewProps, `${file} exports PreviewProps`).toBeTruthy();
      const r = await renderTemplate(file);
      expect(r.publicUrl).toMatch(/^https:\/\//);
      // The issue is checked as a stored issue: personalised for the sample reader first.
      const report = r.props.view
        ? checkIssue({ id: 1, week: r.props.view.week, subject: r.props.view.subject, html: r.html, text: r.text }, { publicUrl: r.publicUrl, tokenSecret: 'preview-secret-0123456789' })
        : checkEmail({ html: r.html, text: r.text }, { publicUrl: r.publicUrl });
      expect(report.failures, describeFailures(report.failures)).toEqual([]);
      expect(report.htmlBytes).toBeLessThan(GMAIL_CLIP_BYTES);
      expect(report.links.length).toBeGreaterThan(0);
    });
  }

  it('the issue preview is built from the sample catalog: real tools, reviewers and quotes', () => {
    const catalog = loadSampleCatalog()!;
    const view = (WeeklyIssue as Template).PreviewProps!.view as IssueView;
    expect(view.comparisons.length).toBeGreaterThanOrEqual(2);
    for (const c of view.comparisons) {
      for (const t of [c.a, c.b]) {
        const source = catalog.tools.find((x) => x.slug === t.slug)!;
        expect(t.name).toBe(source.name);
        expect(t.description).toBe(source.description);
        expect(t.panel.reviews).toBeGreaterThan(0);
      }
      expect(c.scorecard.length).toBeGreaterThan(2);
      for (const line of c.scorecard) expect(catalog.reviews.some((r) => r.quote === line.quote)).toBe(true);
    }
    expect(view.subject).toMatch(/ vs /);
  });
});

describe('the quality gate catches', () => {
  const publicUrl = 'https://verdicts.example.org';
  const good = `<!DOCTYPE html><html lang="en"><head><title>x</title><style>a{color:red}</style></head><body>
    <img src="https://verdicts.example.org/logo.png" alt="Weekly AI Tool Verdicts">
    <a href="https://verdicts.example.org/unsubscribe?token=abc&amp;x=1">Unsubscribe</a>
    <a href="https://cursor.com">Cursor</a></body></html>`;
  const opts = { publicUrl, toolUrls: ['https://cursor.com/'] };
  const checks = (html: string, text = 'text', o: Parameters<typeof checkEmail>[1] = opts) => checkEmail({ html, text }, o).failures.map((f) => f.check);

  it('nothing in a good email', () => {
    const r = checkEmail({ subject: 'A vs B', html: good, text: 'hello' }, opts);
    expect(r.failures).toEqual([]);
    expect(r.lang).toBe('en');
    expect(r.links.map((l) => [l.kind, l.href])).toEqual([
      ['public', 'https://verdicts.example.org/unsubscribe?token=abc&x=1'],
      ['tool', 'https://cursor.com'],
    ]);
  });

  // One slip each (or a near miss that is no slip), and the checks that fail on it: every row is a test.
  const html = (from: string, to: string) => good.replace(from, to);
  const body = (extra: string) => good.replace('<body>', `<body>${extra}`);
  const beforeBodyEnd = (extra: string) => good.replace('</body>', `${extra}</body>`);
  const FOREIGN_LINKS = ['/issues', '#top', 'mailto:a@example.org', 'javascript:alert(1)', 'https://elsewhere.example/', 'https://verdicts.example.org.evil.example/x', 'http://verdicts.example.org/'];
  const SLIPS: Array<{ slip: string; html: string; text?: string; found: string[] }> = [
    { slip: 'an HTML part at or above 102 KB', html: beforeBodyEnd(`<p>${'x'.repeat(GMAIL_CLIP_BYTES)}</p>`), found: ['size'] },
    { slip: 'a missing text part', html: good, text: '  ', found: ['text'] },
    { slip: 'a missing lang', html: html(' lang="en"', ''), found: ['lang'] },
    { slip: 'an empty lang', html: html(' lang="en"', ' lang=""'), found: ['lang'] },
    { slip: 'an image without alt text', html: html(' alt="Weekly AI Tool Verdicts"', ''), found: ['img-alt'] },
    { slip: 'an image with a relative src', html: html('https://verdicts.example.org/logo.png', '/logo.png'), found: ['img-src'] },
    { slip: 'no slip: an empty alt marks a decorative image', html: html('alt="Weekly AI Tool Verdicts"', 'alt=""'), found: [] },
    ...FOREIGN_LINKS.map((href) => ({ slip: `a link to ${href}`, html: html('https://cursor.com', href), found: ['links'] })),
    { slip: 'NaN left in the HTML', html: beforeBodyEnd('<p>Panel ship NaN%</p>'), found: ['leftovers'] },
    { slip: 'undefined and [object Object] left in the text', html: good, text: 'Community: undefined% · [object Object]', found: ['leftovers'] },
    { slip: 'text before the first element of the body', html: body('oops<div>masthead</div>'), found: ['stray-text'] },
    { slip: 'no slip: white space between the elements of <head> is no text', html: html('</style></head>', '</style>\n  \n</head>'), found: [] },
    { slip: 'no title', html: html('<title>x</title>', ''), found: ['title'] },
    { slip: "no slip: an SVG's <title> is the drawing's label, not the document's", html: beforeBodyEnd('<svg role="img"><title>chart</title></svg>'), found: [] },
    { slip: 'a table 600 px wide, wider than a 375 px phone', html: body('<table width="600"><tr><td>x</td></tr></table>'), found: ['width'] },
    { slip: 'a div fixed at 640 px', html: body('<div style="width:640px">x</div>'), found: ['width'] },
    { slip: 'no slip: a fluid container that stops at 600 px', html: body('<div style="max-width:600px;width:100%">x</div>'), found: [] },
  ];
  it.each(SLIPS.map((c) => [`${c.slip}: ${c.found.length ? c.found.join(', ') : 'passes'}`, c] as const))('%s', (_, { html, text, found }) => {
    expect(checks(html, text)).toEqual(found);
  });

  it('no HTML part at all', () => {
    expect(checks('')).toContain('size');
  });

  it('foreign links only when it knows the tool links: a template with no tools may link any http(s) page', () => {
    expect(checks(good.replace('https://cursor.com', 'https://resend.com/legal'), 't', { publicUrl })).toEqual([]);
  });

  it('placeholders left after personalising, and values missing in the template', () => {
    const html = good.replace('</body>', '<p>Hi %%FIRST_NAME%%, <a href="https://verdicts.example.org/vote?token=%%VOTE_TOKEN_3%%&amp;choice=ship">vote</a></p></body>');
    const r = checkIssue({ id: 9, week: '2030-W10', subject: 'A vs B', html, text: 'Unsubscribe: https://verdicts.example.org/unsubscribe?token=%%UNSUBSCRIBE_TOKEN%%' }, { ...opts, tokenSecret: 's'.repeat(20) });
    expect(r.failures.map((f) => f.check)).toEqual(['placeholders']);
    expect(r.failures[0]!.message).toContain('%%FIRST_NAME%%');
    expect(r.sample.text).toMatch(/token=u\.0\.9\.0\./); // signed for reader 0
  });

  it('text in <head>, which an HTML parser moves to the top of the body, and says so', () => {
    const inHead = checkEmail({ html: good.replace('</style></head>', '</style>style</head>'), text: 't' }, opts).failures;
    expect(inHead.map((f) => f.check)).toEqual(['stray-text']);
    expect(inHead[0]!.message).toBe('the text "style" sits in <head>, so the parser moves it to the top of the body: readers see it above the masthead');
  });

  it('more than one title (the second was the preheader, hoisted by React into <head>), and names them', () => {
    const two = checkEmail({ html: good.replace('<title>x</title>', '<title>A vs B</title><title>Panel ship: A 75%</title>'), text: 't' }, opts).failures;
    expect(two.map((f) => f.check)).toEqual(['title']);
    expect(two[0]!.message).toBe('the HTML has 2 <title> elements ("A vs B", "Panel ship: A 75%"): a client shows one of them, as it likes');
  });

  it('a broken template: one rendered without lang, alt text or absolute links', async () => {
    const Broken = ({ view }: { view: IssueView }) =>
      createElement('html', null, createElement('body', null, createElement('img', { src: 'logo.png' }), createElement('a', { href: `/issues/${view.week}` }, view.subject)));
    const view = buildPreviewIssue(loadSampleCatalog(), { publicUrl });
    const html = await render(createElement(Broken, { view }));
    expect(new Set(checks(html, 'text', { publicUrl }))).toEqual(new Set(['lang', 'img-alt', 'img-src', 'links', 'title']));
  });
});

describe('the scheduled slot of a week', () => {
  it('is the week’s firing of a weekly schedule', () => {
    expect(scheduledSlot('2026-W47', '0 9 * * 2', 'UTC')!.toISOString()).toBe('2026-11-17T09:00:00.000Z');
    // In another time zone the slot is 09:00 there.
    expect(scheduledSlot('2026-W47', '0 9 * * 2', 'America/New_York')!.toISOString()).toBe('2026-11-17T14:00:00.000Z');
  });

  it('is the latest firing that has passed for a schedule that fires more often', () => {
    const now = new Date('2026-11-19T12:00:00Z');
    expect(scheduledSlot('2026-W47', '0 9 * * *', 'UTC', now)!.toISOString()).toBe('2026-11-19T09:00:00.000Z');
    expect(scheduledSlot('2026-W47', '0 9 * * *', 'UTC', new Date('2026-11-01T00:00:00Z'))!.toISOString()).toBe('2026-11-16T09:00:00.000Z');
  });

  it('is null when the schedule never fires in that week', () => {
    expect(scheduledSlot('2026-W47', '0 9 1 1 *', 'UTC')).toBeNull();
  });
});

describe('a test address', () => {
  it('is one plain address', () => {
    expect(parseTestAddress('  editor@example.org ')).toBe('editor@example.org');
    for (const bad of ['', 'x', 'a@b@c', 'a@example.org,b@example.org', 'Ada <a@example.org>', 'a@example.org\nBcc: b@example.org', 42, null]) {
      expect(() => parseTestAddress(bad), String(bad)).toThrow();
    }
  });
});
