import { describe, expect, it } from 'vitest';
import type { ComparisonView, IssueView, ToolCard } from '../../src/issues/view.ts';
import { buildPreheader, buildSubject, isoWeekLabel, renderIssueEmail } from '../../src/issues/render.ts';
import { buildPreviewIssue, buildStressIssue, loadSampleCatalog } from '../../emails/_components/preview-data.ts';

const GMAIL_CLIP_BYTES = 102_400;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** The HTML as a mail client reads it: numeric character references decoded. */
const readable = (html: string) => html.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);

/** The sample catalog's issue with the figures of the brief pinned on the first comparison. */
function previewView(): IssueView {
  const catalog = loadSampleCatalog();
  if (!catalog) throw new Error('src/catalog/sample-catalog.json is missing');
  const view = buildPreviewIssue(catalog);
  const first = view.comparisons[0]!;
  first.a.panel = { ships: 6, reviews: 8, shipPct: 75 };
  first.a.community = { ships: 0, votes: 0, shipPct: null };
  return view;
}

// Rendered once for the file's first describe: its tests read the same email.
const view = previewView();
const { html: raw, text } = await renderIssueEmail(view);
const html = readable(raw);

describe('renderIssueEmail: the preview issue', () => {

  it('renders Claw Code vs SmolLM3 and a second pair from the sample catalog', () => {
    expect(view.comparisons.map((c) => `${c.a.name} vs ${c.b.name}`)).toEqual([
      'Claw Code vs SmolLM3',
      'Cursor vs Aider',
    ]);
    expect(view.subject).toBe('Claw Code vs SmolLM3, and 1 more');
  });

  it('stays far below the Gmail clipping limit', () => {
    expect(bytes(raw)).toBeLessThan(60 * 1024);
  });

  it('is stored within Latin-1: characters beyond it as references in the HTML, plain punctuation in the text', () => {
    expect(raw).toMatch(/^[\x00-\xff]*$/);
    expect(text).toMatch(/^[\x00-\xff]*$/);
    expect(raw).toContain('Week 47 · 16&#8211;22 November 2026');
    expect(text).toContain('Week 47 · 16-22 November 2026');
    expect(html).toContain('\u201C'); // the scorecard's opening quote, as the reader sees it
  });

  it('is an English, left-to-right, light/dark document with the preheader', () => {
    expect(html).toContain('<html dir="ltr" lang="en">');
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark"/>');
    expect(html).toContain(view.preheader);
    expect(html).toContain('Weekly AI Tool Verdicts');
    expect(html).toContain('Week 47 · 16–22 November 2026');
    expect(html).not.toMatch(/<img\b/i);
  });

  it('links only to absolute http(s) URLs', () => {
    const links = hrefs(html);
    expect(links.length).toBeGreaterThan(10);
    for (const href of links) expect(href).toMatch(/^https?:\/\/[^\s"]+$/);
    expect(links).toContain(view.unsubscribeUrl);
    expect(links).toContain(view.viewInBrowserUrl);
    expect(links).toContain('https://github.com/ultraworkers/claw-code');
  });

  it('keeps the per-reader placeholders intact for personalisation', () => {
    expect(html).toContain('/unsubscribe?token=%%UNSUBSCRIBE_TOKEN%%');
    expect(html).toMatch(/\/vote\?token=%%VOTE_TOKEN_\d+%%&amp;choice=ship"/);
    expect(html).toMatch(/\/vote\?token=%%VOTE_TOKEN_\d+%%&amp;choice=skip"/);
    expect(text).toContain('/unsubscribe?token=%%UNSUBSCRIBE_TOKEN%%');
    expect(text).toMatch(/Ship it: https:\/\/\S+\/vote\?token=%%VOTE_TOKEN_\d+%%&choice=ship/);
  });

  it('draws a 75% figure as a bar cell 75% wide next to a 25% track', () => {
    expect(html).toMatch(/<td width="75%" bgcolor="#4f46e5"[^>]*>/);
    expect(html).toMatch(/<td width="25%" bgcolor="#e2e8f0"[^>]*>/);
    expect(html).toContain('6 of 8 reviewers');
  });

  it('shows "—" and an empty grey track for a missing community figure', () => {
    expect(html).toMatch(/>—<\/span>\u00a0 not enough votes yet[^<]*<\/p><table[^>]*><tbody><tr><td width="100%" bgcolor="#e2e8f0"/);
    expect(html).toContain('not enough votes yet');
  });

  it('stacks the tool cards on mobile with a media query on the card cells', () => {
    expect(html).toMatch(
      /@media only screen and \(max-width:620px\)\{\.wcol\{display:block!important;width:100%!important/,
    );
    expect(html.match(/<td class="wcol /g)).toHaveLength(2 * view.comparisons.length);
  });

  it('labels every verdict with its word, not only a colour', () => {
    const lines = view.comparisons.flatMap((c) => c.scorecard);
    // A coloured label (background and text colour inline) that holds the word itself.
    const shown = [
      ...html.matchAll(/<b class="wo" style="[^"]*;background:#[0-9a-f]{6};color:#[0-9a-f]{6}">(SHIP|SKIP)<\/b>/g),
    ].map((m) => m[1]);
    expect(shown).toEqual(lines.map((l) => l.verdict.toUpperCase()));
    expect(shown).toContain('SKIP');
  });

  it('has the footer: why, unsubscribe, view in browser, postal address', () => {
    expect(html).toContain('You get this because you subscribed to Weekly AI Tool Verdicts at verdicts.example.com');
    expect(html).toMatch(/>Unsubscribe<\/a>/);
    expect(html).toMatch(/>View in browser<\/a>/);
    expect(html).toContain(view.mailingAddress);
  });

  it('has a structured plain-text part with names, figures, scorecard and links', () => {
    expect(text.length).toBeGreaterThan(1000);
    expect(text).toContain('Claw Code vs SmolLM3');
    expect(text).toContain('Panel ship: 75% (6 of 8) · Community: - · Entry: Paid');
    const smol = view.comparisons[0]!.b;
    expect(text).toContain(`Panel ship: ${smol.panel.shipPct}% (${smol.panel.ships} of ${smol.panel.reviews})`);
    expect(text).toContain('Reviewer scorecard');
    expect(text).toMatch(/^\[SHIP\] Claw Code · Priya Raman, Staff Engineer$/m);
    expect(text).toContain('https://github.com/ultraworkers/claw-code');
    expect(text).toContain(`Unsubscribe: ${view.unsubscribeUrl}`);
    expect(text).toContain(`View in browser: ${view.viewInBrowserUrl}`);
    expect(text).toContain(view.mailingAddress);
    expect(text).not.toMatch(/<[a-z]/i);
  });

  it('prints no undefined, NaN, null or [object …]', () => {
    for (const out of [html, text]) {
      expect(out).not.toMatch(/undefined|NaN|\bnull\b|\[object/);
    }
  });
});

describe('renderIssueEmail: edge cases', () => {
  it('keeps a stress issue (3 comparisons × 16 long quotes) under the Gmail clipping limit', async () => {
    const stress = buildStressIssue(previewView(), 3, 16);
    expect(stress.comparisons.flatMap((c) => c.scorecard)).toHaveLength(48);
    expect(stress.comparisons[0]!.scorecard[0]!.quote.length).toBeGreaterThan(650);
    const { html, text } = await renderIssueEmail(stress);
    expect(bytes(html)).toBeLessThan(GMAIL_CLIP_BYTES);
    expect(text).toContain(stress.comparisons[2]!.a.name);
    for (const out of [html, text]) expect(out).not.toMatch(/undefined|NaN|\bnull\b|\[object/);
  });

  // 64 KB: the HTML spells characters beyond Latin-1 as references (src/issues/charset.ts), ~2 KB of it
  // the preheader's zero-width padding; Gmail clips at 100 KB.
  it('keeps 2 comparisons × 16 long quotes under 64 KB', async () => {
    const heavy = buildStressIssue(previewView(), 2, 16);
    expect(bytes((await renderIssueEmail(heavy)).html)).toBeLessThan(64 * 1024);
  });

  it('draws 0%, 100% and missing figures without zero-width cells', async () => {
    const view = previewView();
    const c = view.comparisons[0]!;
    c.a.panel = { ships: 0, reviews: 4, shipPct: 0 };
    c.b.panel = { ships: 5, reviews: 5, shipPct: 100 };
    c.b.community = { ships: 0, votes: 0, shipPct: null };
    const { html } = await renderIssueEmail(view);
    expect(html).not.toContain('width="0%"');
    expect(html).toMatch(/<td width="100%" bgcolor="#4f46e5"/);
    expect(html).toMatch(/>0%<\/span>/);
  });

  it('escapes catalog text and renders an issue without comparisons', async () => {
    const view = previewView();
    view.comparisons[0]!.a.name = '<script>alert(1)</script>';
    expect((await renderIssueEmail(view)).html).not.toContain('<script>');
    const empty = buildPreviewIssue(loadSampleCatalog(), { pairs: [] });
    const { html, text } = await renderIssueEmail(empty);
    expect(html).toContain('No comparisons this week.');
    expect(text).toContain('No comparisons this week.');
    expect(empty.subject).toBe('Weekly AI Tool Verdicts');
  });
});

describe('buildSubject', () => {
  it('names the first pair and counts the rest', () => {
    expect(buildSubject([['Claw Code', 'SmolLM3']])).toBe('Claw Code vs SmolLM3');
    expect(
      buildSubject([
        ['Claw Code', 'SmolLM3'],
        ['Cursor', 'Aider'],
      ]),
    ).toBe('Claw Code vs SmolLM3, and 1 more');
    expect(
      buildSubject([
        ['Claw Code', 'SmolLM3'],
        ['Cursor', 'Aider'],
        ['Ollama', 'llama.cpp'],
      ]),
    ).toBe('Claw Code vs SmolLM3, and 2 more');
    expect(buildSubject([])).toBe('Weekly AI Tool Verdicts');
  });
});

describe('buildPreheader', () => {
  const card = (name: string, shipPct: number | null) =>
    ({ name, panel: { ships: 0, reviews: 0, shipPct } }) as ToolCard;
  const pair = (a: string, pa: number | null, b: string, pb: number | null) =>
    ({ a: card(a, pa), b: card(b, pb) }) as ComparisonView;

  it('sums up the panel verdicts of every pair', () => {
    expect(buildPreheader([pair('Claw Code', 75, 'SmolLM3', 100), pair('Cursor', 83, 'Aider', 50)])).toBe(
      'Panel ship: Claw Code 75% vs SmolLM3 100% · Cursor 83% vs Aider 50%',
    );
    expect(buildPreheader([pair('Claw Code', 75, 'SmolLM3', null)])).toBe('Panel ship: Claw Code 75% vs SmolLM3 —');
  });

  it('drops whole pairs to stay within 140 characters', () => {
    const many = [1, 2, 3, 4, 5].map((i) => pair(`Long Tool Name ${i}a`, 75, `Long Tool Name ${i}b`, 50));
    const line = buildPreheader(many);
    expect(line.length).toBeLessThanOrEqual(140);
    expect(line).toMatch(/^Panel ship: Long Tool Name 1a 75% vs Long Tool Name 1b 50% · .* · \d more$/);
    expect(line).not.toMatch(/Long Tool Name \d[ab]? ?$/);
  });

  it('cuts a single over-long pair at a word', () => {
    const line = buildPreheader([pair('A'.repeat(20) + ' ' + 'word '.repeat(30), 75, 'B', 50)]);
    expect(line.length).toBeLessThanOrEqual(140);
    expect(line.endsWith('…')).toBe(true);
  });

  it('has a line for an issue without comparisons', () => {
    expect(buildPreheader([])).toBe("Weekly AI Tool Verdicts: this week's side-by-side verdicts.");
  });
});

describe('isoWeekLabel (re-exported by render)', () => {
  it('formats the week', () => {
    expect(isoWeekLabel('2026-W47')).toBe('Week 47 · 16–22 November 2026');
    expect(isoWeekLabel('2026-W01')).toBe('Week 1 · 29 December 2025 – 4 January 2026');
    expect(() => isoWeekLabel('2026-47')).toThrow('unknown week "2026-47": expected YYYY-Www, e.g. 2026-W47');
    expect(() => isoWeekLabel('')).toThrow('unknown week "": expected YYYY-Www, e.g. 2026-W47');
  });
});
