// One comparison of the issue: category, "A vs B", the two tool cards side by side (stacked on
// mobile), then the reviewer scorecard.
import type { CSSProperties } from 'react';
import type { ComparisonView } from '../../src/issues/view.js';
import { Table } from './layout.js';
import { Scorecard } from './scorecard.js';
import { ToolCardCell } from './tool-card.js';
import { cls, st } from './theme.js';

const gap: CSSProperties = { width: '4%', fontSize: '1px', lineHeight: '1px' };
const scoreHint: CSSProperties = { ...st.small, margin: '0 0 12px' };

export function Comparison({ c }: { c: ComparisonView }) {
  return (
    <>
      <p className={cls.link} style={st.eyebrow}>
        {c.category}
      </p>
      <h2 className={`${cls.text} ${cls.h1}`} style={st.h1}>
        {`${c.a.name} `}
        <span className={cls.muted} style={st.vs}>
          vs
        </span>
        {` ${c.b.name}`}
      </h2>
      <p className={cls.muted} style={st.lede}>
        Two tools, one job: how our panel voted, what readers think and what each costs to start.
      </p>
      <Table>
        <tr>
          <ToolCardCell tool={c.a} />
          <td className={cls.gap} width="4%" style={gap}>
            &nbsp;
          </td>
          <ToolCardCell tool={c.b} />
        </tr>
      </Table>
      <h3 className={cls.text} style={st.h2}>
        Reviewer scorecard
      </h3>
      <p className={cls.muted} style={scoreHint}>
        What each panel reviewer said, tool by tool.
      </p>
      <Scorecard lines={c.scorecard} />
    </>
  );
}
