// The stylesheet of the public pages, inlined in each page (one request, and the CSP allows inline styles
// because the archive serves the issue email, which is styled inline). Colours come from the email
// theme so the site and the newsletter look like one thing. Contrast: body text 16:1, muted text 7.5:1,
// the accent (links, buttons) 7.9:1 on white; focus is a 3 px outline that never depends on colour alone.
import { color } from '../../../emails/_components/theme.js';

const c = {
  ...color,
  page: '#f4f6fa',
  line: '#d5dbe5',
  accentDark: '#3730a3',
  error: '#b91c1c',
  errorBg: '#fef2f2',
  okBg: '#ecfdf5',
  okInk: '#065f46',
  infoBg: '#eef2ff',
};

export const SITE_CSS = (font: string) => `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:${c.page};color:${c.ink};font:17px/1.6 ${font};display:flex;flex-direction:column;min-height:100vh}
main{flex:1 0 auto;width:100%}
a{color:${c.accent};text-underline-offset:2px}
a:hover{color:${c.accentDark}}
:focus-visible{outline:3px solid ${c.accent};outline-offset:2px;border-radius:4px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:8px 14px;z-index:10}
.skip:focus{left:12px;top:12px}
.bar{max-width:1120px;margin:0 auto;padding:0 20px}
.site-header{background:${c.headerBg};color:${c.headerInk}}
.site-header .bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px 24px;min-height:64px}
.brand{display:inline-flex;align-items:center;gap:10px;color:${c.headerInk};font-weight:800;font-size:18px;text-decoration:none;letter-spacing:-.2px}
.brand:hover{color:${c.headerInk}}
.mark{display:inline-grid;place-items:center;width:34px;height:34px;border-radius:8px;background:${c.panelBar};font-size:13px;letter-spacing:-1px}
.site-header nav{display:flex;gap:20px}
.site-header nav a{color:${c.headerMuted};text-decoration:none;font-weight:600;font-size:15px;padding:6px 0}
.site-header nav a:hover{color:${c.headerInk};text-decoration:underline}
.wrap{max-width:720px;margin:0 auto;padding:40px 20px 56px}
.wrap.wide{max-width:1120px}
.site-footer{border-top:1px solid ${c.line};color:${c.muted};font-size:14px;line-height:1.55;background:#fff}
.site-footer .bar{padding:24px 20px 32px}
.site-footer p{margin:0 0 8px;max-width:70ch}
.site-footer address{font-style:normal;margin-top:12px}
.site-footer a{color:${c.muted}}
h1{font-size:clamp(30px,5vw,44px);line-height:1.12;letter-spacing:-.8px;margin:0 0 16px}
h2{font-size:22px;line-height:1.3;margin:0 0 12px;letter-spacing:-.2px}
p{margin:0 0 16px}
.lede{font-size:19px;color:${c.muted};max-width:60ch}
.eyebrow{margin:0 0 8px;font-size:13px;font-weight:700;letter-spacing:.8px;text-transform:uppercase;color:${c.accent}}
.muted{color:${c.muted}}
.small{font-size:14px;line-height:1.5}
.card{background:#fff;border:1px solid ${c.line};border-radius:14px;padding:28px;box-shadow:0 1px 2px rgba(17,24,39,.05)}
.stack>*+*{margin-top:24px}
.home{display:grid;gap:32px;align-items:start}
@media (min-width:960px){.home{grid-template-columns:minmax(0,1.05fr) minmax(0,1fr);gap:48px}.home .pitch{grid-column:1}.home .signup{grid-column:1}.home .sample{grid-column:2;grid-row:1/span 2}}
.points{list-style:none;padding:0;margin:24px 0 0;display:grid;gap:12px}
.points li{position:relative;padding-left:30px}
.points li::before{content:"";position:absolute;left:4px;top:.55em;width:10px;height:10px;border-radius:3px;background:${c.communityBar}}
label{display:block;font-weight:700;margin:0 0 6px}
.choice-row{display:flex;gap:10px;align-items:center;font-weight:400;min-height:44px;margin:0}
.choice-row input{width:22px;height:22px;margin:0;flex:none}
fieldset{border:0;padding:0;margin:0 0 20px}
legend{font-weight:700;margin:0 0 6px;padding:0}
.hint{display:block;font-weight:400;color:${c.muted};font-size:15px}
.field{margin:0 0 20px}
input[type=email],input[type=text]{display:block;width:100%;font:inherit;font-size:18px;padding:11px 14px;border:2px solid #6b7280;border-radius:8px;background:#fff;color:${c.ink}}
input:focus-visible{outline:3px solid ${c.accent};outline-offset:1px;border-color:${c.accent}}
input[aria-invalid=true]{border-color:${c.error}}
.error-text{display:block;color:${c.error};font-weight:700;margin:0 0 6px}
.error-summary{border:3px solid ${c.error};background:${c.errorBg};border-radius:10px;padding:16px 18px;margin:0 0 24px}
.error-summary h2{font-size:18px;margin:0 0 6px;color:${c.error}}
.error-summary p{margin:0}
.hp{position:absolute!important;left:-10000px;width:1px;height:1px;overflow:hidden}
.consent{font-size:15px;line-height:1.5;color:${c.muted};margin:0 0 20px}
.btn{display:inline-block;font:inherit;font-weight:700;font-size:17px;line-height:1.2;padding:13px 22px;border-radius:8px;border:2px solid ${c.accent};background:${c.accent};color:#fff;text-decoration:none;cursor:pointer;min-height:48px}
.btn:hover{background:${c.accentDark};border-color:${c.accentDark};color:#fff}
.btn.secondary{background:#fff;color:${c.accent}}
.btn.secondary:hover{background:${c.infoBg};color:${c.accentDark}}
.btn.ship{background:${c.shipSolid};border-color:${c.shipSolid}}
.btn.ship:hover{background:${c.shipInk};border-color:${c.shipInk}}
.btn.skip{background:${c.skipInk};border-color:${c.skipInk}}
.btn.skip:hover{background:#881337;border-color:#881337}
.btn.block{width:100%}
.actions{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:24px 0 20px}.actions:last-child{margin-bottom:0}
form.inline{display:inline}
.notice{border-left:6px solid ${c.accent};background:#fff;border-radius:0 12px 12px 0}
.notice.ok{border-color:${c.shipSolid}}
.notice.error{border-color:${c.error}}
.notice .icon{display:inline-grid;place-items:center;width:44px;height:44px;border-radius:50%;font-size:22px;font-weight:800;margin:0 0 14px;background:${c.infoBg};color:${c.accent}}
.notice.ok .icon{background:${c.okBg};color:${c.okInk}}
.notice.error .icon{background:${c.errorBg};color:${c.error}}
.pair{display:grid;gap:14px;margin:18px 0}
@media (min-width:520px){.pair{grid-template-columns:1fr 1fr}}
.tool{border:1px solid ${c.cardBorder};background:${c.card};border-radius:10px;padding:16px}
.tool h3{margin:0;font-size:18px}
.tool .tagline{margin:2px 0 12px;font-size:14px;line-height:1.4;color:${c.muted}}
.figure{margin:0 0 10px}
.figure .label{display:block;font-size:12px;font-weight:700;letter-spacing:.6px;text-transform:uppercase;color:${c.muted}}
.figure .value{font-size:24px;font-weight:800;line-height:1.2}
.figure .caption{display:block;font-size:13px;color:${c.muted}}
.meter{display:block;height:8px;border-radius:4px;background:${c.track};overflow:hidden;margin:4px 0 2px}
.meter span{display:block;height:100%;background:${c.panelBar}}
.meter.community span{background:${c.communityBar}}
.pill{display:inline-block;padding:0 10px;border-radius:999px;background:#e0e7ff;color:#3730a3;font-size:13px;font-weight:700;line-height:24px}
.issues{list-style:none;margin:0;padding:0}
.issues li{border-top:1px solid ${c.line};padding:18px 0}
.issues li:last-child{border-bottom:1px solid ${c.line}}
.issues a{font-weight:700;font-size:19px}
.verdict{font-size:26px;font-weight:800;margin:0 0 4px}
.verdict .ship{color:${c.shipInk}}
.verdict .skip{color:${c.skipInk}}
.choice{display:inline-block;padding:2px 10px;border-radius:6px;font-weight:800;letter-spacing:.5px}
.choice.ship{background:${c.shipBg};color:${c.shipInk}}
.choice.skip{background:${c.skipBg};color:${c.skipInk}}
@media (max-width:520px){body{font-size:16px}.wrap{padding:28px 16px 40px}.card{padding:20px}.lede{font-size:17px}.btn{width:100%;text-align:center}.actions form.inline,.actions form{width:100%}}
`
  .replace(/\n/g, '')
  .trim();
