// One figure of a tool card: label, the number, an email-safe bar and its sample size.
// The bar is a two-cell table whose cell widths are the percentage, with solid background colours
// (bgcolor for Outlook too): no images, gradients, flex or grid. Without a figure it is an empty grey track.
// Type size and spacing come from classes (theme.ts); colours and the bar's height stay inline.
import type { CSSProperties } from 'react';
import { Table, bgcolor } from './layout.js';
import { cls, color } from './theme.js';
import { pctText, wholePct } from './format.js';

const muted: CSSProperties = { color: color.muted };
const ink: CSSProperties = { color: color.ink };
const barCell: CSSProperties = { verticalAlign: 'middle' };
const seg: CSSProperties = { height: '10px', fontSize: '1px', lineHeight: '10px' };
const labelClass = `${cls.muted} ${cls.figLabel}`;
const captionClass = `${cls.muted} ${cls.figCaption}`;

export function FigureBar(props: { label: string; value: number | null; caption: string; barColor: string }) {
  const pct = wholePct(props.value);
  return (
    <>
      <p className={labelClass} style={muted}>
        {props.label}
      </p>
      <Table>
        <tr>
          <td
            width={66}
            className={`${pct === null ? cls.muted : cls.text} ${cls.figNumber}`}
            style={pct === null ? muted : ink}
          >
            {pctText(props.value)}
          </td>
          <td style={barCell}>
            <Bar pct={pct} barColor={props.barColor} />
          </td>
        </tr>
      </Table>
      <p className={captionClass} style={muted}>
        {props.caption}
      </p>
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
    <Table aria-hidden="true">
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
