// The reviewer scorecard: one line per review, verdict first. The verdict label always carries the
// word (SHIP / SKIP); its colour and the quote's side rule only repeat it.
// This is the bulk of the email (up to 16 lines per comparison, three comparisons in a heavy week): the
// list's font size and text colour are inherited from the wrapper, and each line's styles are shared
// objects, inline so that clients without the <style> block keep the spacing.
import type { CSSProperties } from 'react';
import type { ScorecardLine, Verdict } from '../../src/issues/view.js';
import { unquote } from './format.js';
import { cls, color } from './theme.js';

const list: CSSProperties = { fontSize: '15px', lineHeight: '23px', color: color.ink };
const line: CSSProperties = { padding: '14px 0', borderTop: `1px solid ${color.rule}` };
const who: CSSProperties = { margin: 0, paddingLeft: '15px', fontSize: '13px', lineHeight: '18px', color: color.muted };
const label: CSSProperties = { padding: '2px 7px', marginRight: '6px', fontSize: '11px', lineHeight: '20px', letterSpacing: '1px' };
const quote: CSSProperties = { margin: '6px 0', paddingLeft: '12px' };
const empty: CSSProperties = { ...line, margin: 0, padding: '16px 0', fontSize: '14px', color: color.muted };

const verdictStyle: Record<Verdict, { label: CSSProperties; quote: CSSProperties; word: string }> = {
  ship: {
    label: { ...label, background: color.shipBg, color: color.shipInk },
    quote: { ...quote, borderLeft: `3px solid ${color.shipSolid}` },
    word: 'SHIP',
  },
  skip: {
    label: { ...label, background: color.skipBg, color: color.skipInk },
    quote: { ...quote, borderLeft: `3px solid ${color.skipBorder}` },
    word: 'SKIP',
  },
};

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
          <div key={i} className={cls.rule} style={line}>
            <b className={cls.round} style={v.label}>
              {v.word}
            </b>{' '}
            <b>{l.toolName}</b>
            <p style={v.quote}>{`“${unquote(l.quote)}”`}</p>
            <p className={cls.muted} style={who}>
              <b>{l.reviewerName}</b>
              {l.reviewerRole ? `, ${l.reviewerRole}` : ''}
            </p>
          </div>
        );
      })}
    </div>
  );
}
