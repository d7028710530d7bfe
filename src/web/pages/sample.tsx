// A comparison in small: two tools with their panel and community figures. On the signup page (the latest
// issue's first pair) and in the archive's banner. Wording of figures is shared with the email.
import { communityCaption, panelCaption, pctText, wholePct } from '../../../emails/_components/format.js';
import type { SampleComparison, SampleTool } from '../../issues/archive.js';
import { MIN_COMMUNITY_VOTES } from '../../issues/compose.js';

/** The community figure in one line: "80% (5 votes)", or "— (3 votes so far; shown from 5)". */
export function communityInWords(c: SampleTool['community']): { figure: string; detail: string } {
  if (wholePct(c.shipPct) !== null) return { figure: pctText(c.shipPct), detail: `${c.votes} vote${c.votes === 1 ? '' : 's'}` };
  const sofar = c.votes === 0 ? 'no votes yet' : `${c.votes} vote${c.votes === 1 ? '' : 's'} so far`;
  return { figure: pctText(null), detail: `${sofar}; shown from ${MIN_COMMUNITY_VOTES}` };
}

function Figure({ label, value, caption, kind }: { label: string; value: number | null; caption: string; kind: 'panel' | 'community' }) {
  const pct = wholePct(value);
  return (
    <p className="figure">
      <span className="label">{label}</span>
      <span className="value">{pctText(value)}</span>
      <span className={kind === 'community' ? 'meter community' : 'meter'} aria-hidden="true">
        <span style={{ width: `${pct ?? 0}%` }} />
      </span>
      <span className="caption">{caption}</span>
    </p>
  );
}

export function ToolSummary({ tool }: { tool: SampleTool }) {
  return (
    <div className="tool">
      <h3>{tool.name}</h3>
      <p className="tagline">{tool.tagline}</p>
      <Figure label="Panel ship" value={tool.panel.shipPct} caption={panelCaption(tool.panel)} kind="panel" />
      <Figure label="Community ship" value={tool.community.shipPct} caption={communityCaption(tool.community)} kind="community" />
      <p className="small" style={{ margin: 0 }}>
        Entry <span className="pill">{tool.pricing || 'Not stated'}</span>
      </p>
    </div>
  );
}

export function ComparisonSample({ c, week, weekLabel }: { c: SampleComparison; week: string; weekLabel: string }) {
  return (
    <section className="card" aria-labelledby="sample-title">
      <p className="eyebrow">{`From the latest issue · ${weekLabel.split(' · ')[0]}`}</p>
      <h2 id="sample-title">
        {c.a.name} <span className="muted">vs</span> {c.b.name}
      </h2>
      <p className="muted small">{c.category}</p>
      <div className="pair">
        <ToolSummary tool={c.a} />
        <ToolSummary tool={c.b} />
      </div>
      <p className="small muted">
        Panel ship: the share of our reviewers who said ship. Community ship: the share of reader votes, shown once enough
        readers have voted.
      </p>
      <p style={{ margin: 0 }}>
        <a href={`/issues/${week}`}>Read the whole issue</a>
        {' · '}
        <a href="/issues">All issues</a>
      </p>
    </section>
  );
}

/** Before the first issue went out: what one looks like, in words. */
export function NoSampleYet() {
  return (
    <section className="card" aria-labelledby="sample-title">
      <p className="eyebrow">What you get</p>
      <h2 id="sample-title">Each issue, in short</h2>
      <ul className="points">
        <li>Two tools from the same category, each with its pricing entry and what it is for.</li>
        <li>The panel's ship-or-skip verdicts, each with the reviewer's own words.</li>
        <li>The community figure: how readers voted, once enough of them have.</li>
      </ul>
      <p style={{ margin: '20px 0 0' }}>
        The first issue is on its way; past issues will be in the <a href="/issues">archive</a>.
      </p>
    </section>
  );
}
