// Colours, type and the shared style objects of the issue email.
// Every text colour is set together with the background it sits on, and every element whose colours
// change in dark mode carries a short class the <style> block overrides (clients that drop the block
// keep the light design, which is readable on its own). Style objects are shared, never rebuilt per
// element.
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

/** Class names the <style> block knows (its @media rules: phones and dark mode). */
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
  round: 'wo',
} as const;

// Counted against caniemail's data (tests/unit/caniemail.test.ts), the stylesheet holds only what cannot be
// inline: the phone layout and dark mode (@media), and the rounded corners. Spacing and type size are
// inline, so clients that drop the <style> block (Gmail's mobile web client, Gmail for other accounts)
// keep them; those clients then show the light design, readable on its own.
// Rounded corners are one rule instead of an inline border-radius on ~40 elements: Outlook on Windows
// draws square corners either way (it degrades gracefully, nothing is lost), and one rule costs one
// unsupported feature instead of one per element.
// Mobile: the two tool cards stack (each cell becomes a full-width block) and sheets lose some padding.
// Dark: only where the client honours prefers-color-scheme; inline light colours stay the fallback.
export const css = `
.${cls.round}{border-radius:8px}
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
  body: s({ margin: 0, padding: 0, backgroundColor: color.page, WebkitTextSizeAdjust: '100%' }),
  /** The hidden preheader: display:none, and for clients that ignore it (Gmail's mobile web client) no size
   * and no colour. Not react-email's opacity and overflow, which Outlook and Yahoo do not support. */
  preheader: s({ display: 'none', maxHeight: 0, maxWidth: 0, fontSize: 0, lineHeight: 0, color: 'transparent', msoHide: 'all' } as CSSProperties),
  outer: s({ padding: '24px 12px', backgroundColor: color.page, fontFamily: font }),
  container: s({ maxWidth: '600px', width: '100%' }),
  header: s({ padding: '22px 28px', backgroundColor: color.headerBg, fontFamily: font }),
  brand: s({
    margin: 0,
    fontSize: '19px',
    lineHeight: '26px',
    fontWeight: 700,
    color: color.headerInk,
    letterSpacing: '-0.2px',
  }),
  weekLabel: s({ margin: '2px 0 0', fontSize: '14px', lineHeight: '20px', color: color.headerMuted }),
  sheet: s({ padding: '28px', backgroundColor: color.sheet, fontFamily: font }),
  sheetUnderHeader: s({ padding: '24px 28px', backgroundColor: color.sheet, fontFamily: font }),
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

/** The one-action letters (confirmation, "still want this?"): the button, the body text, the link spelled
 * out (one long word: break-all lets it wrap on a phone instead of widening the email; Yahoo and Windows
 * Mail ignore it and wrap the way they wrap any long word) and its link colour. */
export const letter = {
  button: {
    display: 'inline-block',
    padding: '14px 26px',
    backgroundColor: color.accent,
    color: '#ffffff',
    fontSize: '17px',
    lineHeight: '22px',
    fontWeight: 700,
    textDecoration: 'none',
  },
  body: { ...st.intro, margin: '0 0 16px', fontSize: '16px', lineHeight: '25px' },
  small: { ...st.small, margin: '0 0 12px' },
  urlText: { ...st.small, margin: '0 0 16px', wordBreak: 'break-all' },
  link: { color: color.accent, textDecoration: 'underline' },
} as const;
