// The reviewer scorecard: one line per review, verdict first. The verdict label always carries the
// word (SHIP / SKIP); its colour and the quote's side rule only repeat it.
// This is the bulk of the email (up to 16 lines per comparison, three comparisons in a heavy week), so
// a line carries only its colours inline; spacing and type size come from classes (see theme.ts) and
// the list's font size and text colour are inherited from the wrapper.
import type { CSSProperties } from 'react';
import type { ScorecardLine, Verdict } from '../../src/issues/view.js';
import { unquote } from './format.js';
import { cls, color } from './theme.js';

const list: CSSProperties = { fontSize: '15px', lineHeight: '23px', color: color.ink };
const line: CSSProperties = { borderTop: `1px solid ${color.rule}` };
const who: CSSProperties = { color: color.muted };
const empty: CSSProperties = { ...line, margin: 0, padding: '16px 0', fontSize: '14px', color: color.muted };

const verdictStyle: Record<Verdict, { label: CSSProperties; quote: CSSProperties; word: string }> = {
  ship: {
    label: { background: color.shipBg, color: color.shipInk },
    quote: { paddingLeft: '12px', borderLeft: `3px solid ${color.shipSolid}` },
    word: 'SHIP',
  },
  skip: {
    label: { background: color.skipBg, color: color.skipInk },
    quote: { paddingLeft: '12px', borderLeft: `3px solid ${color.skipBorder}` },
    word: 'SKIP',
  },
};
const lineClass = `${cls.rule} ${cls.line}`;
const whoClass = `${cls.muted} ${cls.who}`;

export function Scorecard({ lines }: { lines: ScorecardLine[] }) {
  if (lines.length === 0) {
    return (
      <p className={`${cls.muted} ${cls.rule}`} style={empty}>
        No panel reviews for this pair yet.
      </p>
    );
  }
  return (
    <div className={cls.text} style={list}>
      {lines.map((l, i) => {
        const v = verdictStyle[l.verdict];
        return (
          <div key={i} className={lineClass} style={line}>
            <b className={cls.verdict} style={v.label}>
              {v.word}
            </b>{' '}
            <b>{l.toolName}</b>
            <p className={cls.quote} style={v.quote}>{`“${unquote(l.quote)}”`}</p>
            <p className={whoClass} style={who}>
              <b>{l.reviewerName}</b>
              {l.reviewerRole ? `, ${l.reviewerRole}` : ''}
            </p>
          </div>
        );
      })}
    </div>
  );
}
