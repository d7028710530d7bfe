// Renders an issue once, for everyone: the HTML from the react-email template and a plain-text part.
// Per-reader links stay placeholders here (see src/delivery/personalize.ts).
import { createElement } from 'react';
import { render } from '@react-email/render';
import type { ComparisonView, IssueView, ToolCard } from './view.js';
import { DASH, hostOf, pctText, unquote, wholePct } from '../../emails/_components/format.js';
import { htmlWithinLatin1, textWithinLatin1 } from './charset.js';

export { isoWeekLabel } from './week.js';

const NEWSLETTER = 'Weekly AI Tool Verdicts';
const PREHEADER_MAX = 140;

// The template is imported on first use: it loads the email components and builds its PreviewProps
// from the sample catalog, which commands that never render should not pay for, and those PreviewProps
// use buildSubject and buildPreheader from this module: a cycle a static import would turn into a
// load-order trap.
let template: Promise<typeof import('../../emails/weekly-issue.js')> | undefined;

/** The issue's HTML (the template) and its plain-text part (composed from the same view). */
export async function renderIssueEmail(view: IssueView): Promise<{ html: string; text: string }> {
  template ??= import('../../emails/weekly-issue.js');
  const { WeeklyIssue } = await template;
  const html = await render(createElement(WeeklyIssue, { view }));
  return { html: htmlWithinLatin1(html), text: renderIssueText(view) };
}

/** "Claw Code vs SmolLM3", "Claw Code vs SmolLM3, and 1 more"; the newsletter's name for an empty issue. */
export function buildSubject(names: Array<[string, string]>): string {
  if (names.length === 0) return NEWSLETTER;
  const [a, b] = names[0]!;
  return names.length === 1 ? `${a} vs ${b}` : `${a} vs ${b}, and ${names.length - 1} more`;
}

/**
 * One line of panel figures for the inbox preview, at most 140 characters:
 * "Panel ship: Claw Code 75% vs SmolLM3 100% · Cursor 63% vs Aider 86%". Whole pairs are dropped from
 * the end (" · 1 more") rather than cut; a single pair too long on its own is cut at a word.
 */
export function buildPreheader(comparisons: ComparisonView[]): string {
  if (comparisons.length === 0) return `${NEWSLETTER}: this week's side-by-side verdicts.`;
  const prefix = 'Panel ship: ';
  const pairs = comparisons.map(
    (c) => `${c.a.name} ${pctText(c.a.panel.shipPct)} vs ${c.b.name} ${pctText(c.b.panel.shipPct)}`,
  );
  let line = prefix + pairs[0];
  if (line.length > PREHEADER_MAX) return cutAtWord(line, PREHEADER_MAX);
  for (let i = 1; i < pairs.length; i++) {
    const rest = pairs.length - i - 1;
    const next = `${line} · ${pairs[i]}`;
    const room = rest > 0 ? PREHEADER_MAX - ` · ${rest} more`.length : PREHEADER_MAX;
    if (next.length > room) return `${line} · ${pairs.length - i} more`;
    line = next;
  }
  return line;
}

function cutAtWord(s: string, max: number): string {
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** "75% (6 of 8)" / "—". */
function panelFigure(t: ToolCard): string {
  return wholePct(t.panel.shipPct) === null
    ? DASH
    : `${pctText(t.panel.shipPct)} (${t.panel.ships} of ${t.panel.reviews})`;
}

/** "70% (31 of 44 votes)" / "—" below the minimum sample. */
function communityFigure(t: ToolCard): string {
  return wholePct(t.community.shipPct) === null
    ? DASH
    : `${pctText(t.community.shipPct)} (${t.community.ships} of ${t.community.votes} votes)`;
}

/**
 * The plain-text part: the same content as the HTML, every link spelled out. Composed from the view
 * rather than by toPlainText(html): converting the table layout glued labels to values ("SHIPClaw Code",
 * "EntryPaid") and ran the vote links together, and the figures line wants its own wording.
 */
export function renderIssueText(view: IssueView): string {
  const out: string[] = [NEWSLETTER.toUpperCase(), view.weekLabel, ''];
  if (view.comparisons.length === 0) out.push('No comparisons this week.', '');
  else {
    out.push('In this issue:');
    for (const c of view.comparisons) out.push(`- ${c.a.name} vs ${c.b.name} (${c.category})`);
    out.push('');
  }
  const rule = '='.repeat(60);
  for (const c of view.comparisons) {
    out.push(rule, c.category.toUpperCase(), `${c.a.name} vs ${c.b.name}`, rule, '');
    for (const t of [c.a, c.b]) {
      out.push(`${t.name}: ${t.tagline}`);
      if (t.url) out.push(t.url);
      out.push(`Panel ship: ${panelFigure(t)} · Community: ${communityFigure(t)} · Entry: ${t.pricing}`, '');
      out.push(t.description, '');
      out.push(`Ship it: ${t.voteShipUrl}`, `Skip it: ${t.voteSkipUrl}`, '');
    }
    out.push('Reviewer scorecard', '-'.repeat(18), '');
    if (c.scorecard.length === 0) out.push('No panel reviews for this pair yet.', '');
    for (const l of c.scorecard) {
      const who = l.reviewerRole ? `${l.reviewerName}, ${l.reviewerRole}` : l.reviewerName;
      out.push(`[${l.verdict.toUpperCase()}] ${l.toolName} · ${who}`, `"${unquote(l.quote)}"`, '');
    }
  }
  out.push(
    '-'.repeat(60),
    'Panel ship is the share of our reviewers who said ship; community is the share of reader votes, shown once enough votes are in.',
    '',
    `You get this because you subscribed to ${NEWSLETTER} at ${hostOf(view.publicUrl)}.`,
    `Unsubscribe: ${view.unsubscribeUrl}`,
    `Choose your topics: ${view.preferencesUrl}`,
    `View in browser: ${view.viewInBrowserUrl}`,
    `Forwarded to you? Subscribe: ${view.signupUrl}`,
    '',
    view.mailingAddress,
  );
  return textWithinLatin1(out.join('\n') + '\n');
}
