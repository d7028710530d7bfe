// Colours, type and the shared style objects of the issue email.
// Every text colour is set together with the background it sits on, and every element whose colours
// change in dark mode carries a short class the <style> block overrides (clients that drop the block
// keep the light design, which is readable on its own). Style objects are shared, never rebuilt per
// element; the parts that repeat (scorecard lines, figures) keep only their colours inline.
import type { CSSProperties } from 'react';

export const color = {
  page: '#eef1f5',
  sheet: '#ffffff',
  card: '#f8fafc',
  cardBorder: '#e2e8f0',
  rule: '#e5e7eb',
  ink: '#111827',
  muted: '#4b5563',
  accent: '#4338ca',
  panelBar: '#4f46e5',
  communityBar: '#0f766e',
  track: '#e2e8f0',
  headerBg: '#111827',
  headerInk: '#ffffff',
  headerMuted: '#cbd5e1',
  shipBg: '#dcfce7',
  shipInk: '#166534',
  shipSolid: '#15803d',
  skipBg: '#ffe4e6',
  skipInk: '#9f1239',
  skipBorder: '#fda4af',
} as const;

export const font = '-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif';

/** Class names the <style> block knows; short because they repeat on every scorecard line. */
export const cls = {
  page: 'wp',
  sheet: 'ws',
  card: 'wc',
  text: 'wt',
  muted: 'wm',
  link: 'wl',
  rule: 'wr',
  track: 'wk',
  col: 'wcol',
  gap: 'wgap',
  h1: 'wh1',
  header: 'wh',
  // Repeated parts: their spacing and type size live here, their colours stay inline.
  line: 'sl',
  verdict: 'sv',
  quote: 'sq',
  who: 'sw',
  figLabel: 'fl',
  figNumber: 'fn',
  figCaption: 'fc',
} as const;

// Repeated parts (scorecard lines, figures): spacing and type size as classes, which keeps a 48-line
// scorecard well under Gmail's clipping size; where a client drops the <style> block they fall back to
// default spacing and size, keeping their inline colours (a verdict label still reads SHIP or SKIP).
// Mobile: the two tool cards stack (each cell becomes a full-width block) and sheets lose some padding.
// Dark: only where the client honours prefers-color-scheme; inline light colours stay the fallback.
export const css = `
body{margin:0;padding:0;-webkit-text-size-adjust:100%;background:${color.page}}
a{word-break:break-word}
.${cls.line}{padding:14px 0}
.${cls.verdict}{padding:2px 7px;margin-right:6px;border-radius:4px;font-size:11px;line-height:20px;letter-spacing:1px}
.${cls.quote}{margin:6px 0}
.${cls.who}{margin:0;padding-left:15px;font-size:13px;line-height:18px}
.${cls.figLabel}{margin:0 0 2px;font-size:12px;line-height:16px;font-weight:700;letter-spacing:.6px;text-transform:uppercase}
.${cls.figNumber}{width:66px;font-size:22px;line-height:28px;font-weight:800;white-space:nowrap}
.${cls.figCaption}{margin:2px 0 14px;font-size:13px;line-height:18px}
@media only screen and (max-width:620px){
.${cls.col}{display:block!important;width:100%!important;max-width:100%!important;box-sizing:border-box}
.${cls.gap}{display:block!important;width:100%!important;height:12px!important;line-height:12px!important}
.${cls.sheet}{padding:22px 16px!important}
.${cls.header}{padding:20px 16px!important}
.${cls.h1}{font-size:24px!important;line-height:30px!important}
}
@media (prefers-color-scheme:dark){
body,.${cls.page}{background:#0b1120!important}
.${cls.header}{background:#020617!important}
.${cls.sheet}{background:#111827!important}
.${cls.card}{background:#1e293b!important;border-color:#334155!important}
.${cls.text}{color:#f1f5f9!important}
.${cls.muted}{color:#a8b3c7!important}
.${cls.link}{color:#a5b4fc!important}
.${cls.rule}{border-color:#334155!important}
.${cls.track}{background:#334155!important}
}
`
  .replace(/\n/g, '')
  .trim();

const s = (style: CSSProperties) => style;

/** Shared inline styles. */
export const st = {
  body: s({ margin: 0, padding: 0, backgroundColor: color.page }),
  outer: s({ padding: '24px 12px', backgroundColor: color.page, fontFamily: font }),
  container: s({ maxWidth: '600px', width: '100%' }),
  header: s({ padding: '22px 28px', backgroundColor: color.headerBg, borderRadius: '12px 12px 0 0', fontFamily: font }),
  brand: s({
    margin: 0,
    fontSize: '19px',
    lineHeight: '26px',
    fontWeight: 700,
    color: color.headerInk,
    letterSpacing: '-0.2px',
  }),
  weekLabel: s({ margin: '2px 0 0', fontSize: '14px', lineHeight: '20px', color: color.headerMuted }),
  sheet: s({ padding: '28px', backgroundColor: color.sheet, borderRadius: '12px', fontFamily: font }),
  sheetUnderHeader: s({
    padding: '24px 28px',
    backgroundColor: color.sheet,
    borderRadius: '0 0 12px 12px',
    fontFamily: font,
  }),
  spacer: s({ height: '16px', lineHeight: '16px', fontSize: '1px' }),
  eyebrow: s({
    margin: 0,
    fontSize: '12px',
    lineHeight: '16px',
    fontWeight: 700,
    letterSpacing: '0.8px',
    textTransform: 'uppercase',
    color: color.accent,
  }),
  h1: s({
    margin: '6px 0 6px',
    fontSize: '28px',
    lineHeight: '34px',
    fontWeight: 800,
    color: color.ink,
    letterSpacing: '-0.4px',
  }),
  h2: s({ margin: '28px 0 4px', fontSize: '18px', lineHeight: '24px', fontWeight: 700, color: color.ink }),
  vs: s({ fontWeight: 400, color: color.muted }),
  lede: s({ margin: '0 0 20px', fontSize: '15px', lineHeight: '22px', color: color.muted }),
  small: s({ margin: 0, fontSize: '13px', lineHeight: '19px', color: color.muted }),
  intro: s({ margin: '0 0 4px', fontSize: '15px', lineHeight: '23px', color: color.ink }),
} as const;
