// One figure of a tool card: label, the number with its sample size, and an email-safe bar under them.
// The bar is a two-cell table whose cell widths are the percentage, with solid background colours
// (bgcolor for Outlook too): no images, gradients, flex or grid. Without a figure it is an empty grey track.
// The bar only repeats the number beside it, so it is a presentational table (its cells hold only a
// non-breaking space); `role` rather than `aria-hidden`, which Yahoo and Windows Mail do not support.
import type { CSSProperties } from 'react';
import { Table, bgcolor } from './layout.js';
import { cls, color } from './theme.js';
import { pctText, wholePct } from './format.js';

const label: CSSProperties = { margin: '0 0 2px', fontSize: '12px', lineHeight: '16px', fontWeight: 700, letterSpacing: '.6px', textTransform: 'uppercase', color: color.muted };
const line: CSSProperties = { margin: '0 0 6px', fontSize: '13px', lineHeight: '28px', color: color.muted };
const number: CSSProperties = { fontSize: '22px', fontWeight: 800, color: color.ink };
const none: CSSProperties = { ...number, color: color.muted };
const barWrap: CSSProperties = { marginBottom: '16px' };
const seg: CSSProperties = { height: '10px', fontSize: '1px', lineHeight: '10px' };

export function FigureBar(props: { label: string; value: number | null; caption: string; barColor: string }) {
  const pct = wholePct(props.value);
  return (
    <>
      <p className={cls.muted} style={label}>
        {props.label}
      </p>
      <p className={cls.muted} style={line}>
        <span className={pct === null ? cls.muted : cls.text} style={pct === null ? none : number}>
          {pctText(props.value)}
        </span>
        {`\u00a0 ${props.caption}`}
      </p>
      <Bar pct={pct} barColor={props.barColor} />
    </>
  );
}

const fillStyles = new Map<string, CSSProperties>();
const fillStyle = (c: string) => {
  let style = fillStyles.get(c);
  if (!style) fillStyles.set(c, (style = { ...seg, background: c }));
  return style;
};
const trackStyle: CSSProperties = { ...seg, background: color.track };

/** The bar alone; a zero-width cell is left out rather than drawn at width 0%. */
export function Bar({ pct, barColor }: { pct: number | null; barColor: string }) {
  const filled = pct ?? 0;
  return (
    <Table style={barWrap}>
      <tr>
        {filled > 0 && (
          <td width={`${filled}%`} {...bgcolor(barColor)} style={fillStyle(barColor)}>
            &nbsp;
          </td>
        )}
        {filled < 100 && (
          <td width={`${100 - filled}%`} {...bgcolor(color.track)} className={cls.track} style={trackStyle}>
            &nbsp;
          </td>
        )}
      </tr>
    </Table>
  );
}
