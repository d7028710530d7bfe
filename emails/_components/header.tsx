// The masthead (newsletter name and week) and the "in this issue" list.
import type { CSSProperties } from 'react';
import type { IssueView } from '../../src/issues/view.js';
import { bgcolor } from './layout.js';
import { cls, color, st } from './theme.js';

const toc: CSSProperties = { ...st.intro, margin: '0 0 6px' };
const tocCategory: CSSProperties = { color: color.muted };
const tocTitle: CSSProperties = { ...st.eyebrow, margin: '0 0 10px' };

export function Masthead({ view }: { view: IssueView }) {
  return (
    <td className={cls.header} style={st.header} {...bgcolor(color.headerBg)}>
      <p style={st.brand}>Weekly AI Tool Verdicts</p>
      <p style={st.weekLabel}>{view.weekLabel}</p>
    </td>
  );
}

export function InThisIssue({ view }: { view: IssueView }) {
  return (
    <td className={cls.sheet} style={st.sheetUnderHeader} {...bgcolor(color.sheet)}>
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
    </td>
  );
}
