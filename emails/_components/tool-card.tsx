// One tool of a comparison: name, tagline, the two figures, pricing entry, description and the vote buttons.
// Rendered as a table cell so the two cards of a row share one height on desktop; the `col` class
// turns the cell into a full-width block on narrow screens and `round` rounds the card, its pill and its
// buttons (see css in theme.ts).
import type { CSSProperties } from 'react';
import type { ToolCard as Tool } from '../../src/issues/view.js';
import { FigureBar } from './figure-bar.js';
import { bgcolor } from './layout.js';
import { communityCaption, panelCaption } from './format.js';
import { cls, color, font } from './theme.js';

const cell: CSSProperties = {
  width: '48%',
  verticalAlign: 'top',
  padding: '20px 18px',
  backgroundColor: color.card,
  border: `1px solid ${color.cardBorder}`,
  fontFamily: font,
};
const name: CSSProperties = { margin: 0, fontSize: '20px', lineHeight: '26px', fontWeight: 800, color: color.ink };
const nameLink: CSSProperties = { color: color.ink, textDecoration: 'none' };
const tagline: CSSProperties = { margin: '4px 0 18px', fontSize: '14px', lineHeight: '20px', color: color.muted };
const entry: CSSProperties = {
  margin: '0 0 14px',
  fontSize: '12px',
  lineHeight: '22px',
  fontWeight: 700,
  letterSpacing: '0.6px',
  textTransform: 'uppercase',
  color: color.muted,
};
const pillBase: CSSProperties = {
  display: 'inline-block',
  marginLeft: '6px',
  padding: '0 10px',
  fontSize: '13px',
  lineHeight: '22px',
  fontWeight: 700,
  letterSpacing: 0,
  textTransform: 'none',
};
const description: CSSProperties = { margin: '0 0 18px', fontSize: '14px', lineHeight: '21px', color: color.ink };
const voteCaption: CSSProperties = { margin: '0 0 8px', fontSize: '13px', lineHeight: '18px', color: color.muted };
const button: CSSProperties = {
  display: 'inline-block',
  margin: '0 6px 6px 0',
  padding: '9px 16px',
  fontSize: '14px',
  lineHeight: '18px',
  fontWeight: 700,
  textDecoration: 'none',
};
const shipButton: CSSProperties = {
  ...button,
  backgroundColor: color.shipSolid,
  border: `1px solid ${color.shipSolid}`,
  color: '#ffffff',
};
const skipButton: CSSProperties = {
  ...button,
  backgroundColor: color.skipBg,
  border: `1px solid ${color.skipBorder}`,
  color: color.skipInk,
};

// Pricing pills: the word is always printed; the tint only groups free, paid and the rest.
const pills: Record<'free' | 'paid' | 'other', CSSProperties> = {
  free: { ...pillBase, backgroundColor: '#dcfce7', color: '#166534' },
  paid: { ...pillBase, backgroundColor: '#fef3c7', color: '#92400e' },
  other: { ...pillBase, backgroundColor: '#e0e7ff', color: '#3730a3' },
};
const pillFor = (pricing: string) => {
  const p = pricing.trim().toLowerCase();
  return p === 'free' || p.startsWith('free ') || p === 'open source'
    ? pills.free
    : p === 'paid' || p.startsWith('paid')
      ? pills.paid
      : pills.other;
};

export function ToolCardCell({ tool }: { tool: Tool }) {
  return (
    <td className={`${cls.col} ${cls.card} ${cls.round}`} width="48%" valign="top" {...bgcolor(color.card)} style={cell}>
      <p className={cls.text} style={name}>
        {tool.url ? (
          <a href={tool.url} className={cls.text} style={nameLink}>
            {tool.name}
          </a>
        ) : (
          tool.name
        )}
      </p>
      <p className={cls.muted} style={tagline}>
        {tool.tagline}
      </p>
      <FigureBar
        label="Panel ship"
        value={tool.panel.shipPct}
        caption={panelCaption(tool.panel)}
        barColor={color.panelBar}
      />
      <FigureBar
        label="Community"
        value={tool.community.shipPct}
        caption={communityCaption(tool.community)}
        barColor={color.communityBar}
      />
      <p className={cls.muted} style={entry}>
        Entry<span className={cls.round} style={pillFor(tool.pricing)}>{tool.pricing || 'Not stated'}</span>
      </p>
      <p className={cls.text} style={description}>
        {tool.description}
      </p>
      <p className={cls.muted} style={voteCaption}>
        {`Your verdict on ${tool.name}:`}
      </p>
      <a href={tool.voteShipUrl} className={cls.round} style={shipButton}>
        Ship it
      </a>
      <a href={tool.voteSkipUrl} className={cls.round} style={skipButton}>
        Skip it
      </a>
    </td>
  );
}
