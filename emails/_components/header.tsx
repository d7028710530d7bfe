// The masthead (newsletter name and week) and the "in this issue" list, each a sheet of its own.
import type { CSSProperties } from 'react';
import type { IssueView } from '../../src/issues/view.js';
import { Sheet } from './document.js';
import { cls, color, st } from './theme.js';

const toc: CSSProperties = { ...st.intro, margin: '0 0 6px' };
const tocCategory: CSSProperties = { color: color.muted };
const tocTitle: CSSProperties = { ...st.eyebrow, margin: '0 0 10px' };

/** The newsletter's name on the dark band, with the issue's week under it when there is one. */
export function Masthead({ view }: { view: { weekLabel?: string } }) {
  return (
    <Sheet first className={cls.header} style={st.header} fill={color.headerBg}>
      <p style={st.brand}>Weekly AI Tool Verdicts</p>
      {view.weekLabel && <p style={st.weekLabel}>{view.weekLabel}</p>}
    </Sheet>
  );
}

export function InThisIssue({ view }: { view: IssueView }) {
  return (
    <Sheet style={st.sheetUnderHeader}>
      <p className={cls.link} style={tocTitle}>
        In this issue
      </p>
      {view.comparisons.length === 0 ? (
        <p className={cls.text} style={toc}>
          No comparisons this week.
        </p>
      ) : (
        view.comparisons.map((c, i) => (
          <p key={i} className={cls.text} style={toc}>
            <strong>{`${c.a.name} vs ${c.b.name}`}</strong>
            <span className={cls.muted} style={tocCategory}>{` · ${c.category}`}</span>
          </p>
        ))
      )}
    </Sheet>
  );
}
