// The admin's stylesheet and its one small script, served from /admin/assets/ (no inline script, so a
// strict Content-Security-Policy holds). Every page works without the script: it only resizes the email
// frames to their content and polls send progress instead of the <noscript> page refresh.

export const ADMIN_CSS = String.raw`
:root { --ink:#1d2430; --muted:#5b6575; --line:#d9dee6; --bg:#f4f6f9; --card:#fff; --accent:#2456d6; --ok:#177245; --bad:#b42318; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); }
header.top { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#162033; color:#fff; }
header.top a { color:#fff; text-decoration:none; }
header.top .brand { font-weight:700; letter-spacing:.2px; }
header.top nav { display:flex; gap:16px; flex:1; }
header.top nav a { opacity:.8; padding:4px 2px; }
header.top nav a[aria-current] { opacity:1; border-bottom:2px solid #fff; }
header.top form { margin:0; }
header.top button { background:transparent; color:#fff; border:1px solid #ffffff66; padding:4px 10px; border-radius:6px; cursor:pointer; }
main { max-width:1280px; margin:0 auto; padding:20px 24px 60px; }
h1 { font-size:24px; margin:8px 0 4px; }
h2 { font-size:18px; margin:0 0 12px; }
h3 { font-size:15px; margin:0 0 6px; }
.sub { color:var(--muted); margin:0 0 12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin-bottom:16px; }
.grid { display:grid; grid-template-columns:minmax(0,1fr) 400px; gap:16px; align-items:start; }
@media (max-width: 1100px) { .grid { grid-template-columns:1fr; } }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.4px; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; background:#e8ebf0; color:#344054; white-space:nowrap; }
.badge.planned { background:#eef2ff; color:#3538cd; } .badge.rendered { background:#e0f2fe; color:#026aa2; }
.badge.approved { background:#dcfae6; color:#067647; } .badge.held { background:#fef0c7; color:#93370d; }
.badge.sending { background:#d1e9ff; color:#1849a9; } .badge.sent { background:#d3f8df; color:#085d3a; }
.badge.missed, .badge.cancelled { background:#fee4e2; color:#912018; }
.badge.public { background:#e0f2fe; color:#026aa2; } .badge.tool { background:#f4ebff; color:#6941c6; } .badge.bad { background:#fee4e2; color:#912018; }
.flash { padding:10px 14px; border-radius:8px; margin:12px 0; border:1px solid; }
.flash.ok { background:#ecfdf3; border-color:#abefc6; color:#085d3a; }
.flash.error { background:#fef3f2; border-color:#fecdca; color:#912018; }
.flash ul { margin:6px 0 0; padding-left:20px; }
form.inline { display:inline; }
.actions form { margin:0 0 12px; }
.actions .row { display:flex; gap:8px; }
.actions .row input[type=email], .actions .row input[type=text] { flex:1; min-width:0; }
input[type=text], input[type=email], input[type=password], select { font:inherit; padding:6px 8px; border:1px solid #b8c0cc; border-radius:6px; background:#fff; }
button { font:inherit; padding:6px 14px; border-radius:6px; border:1px solid #b8c0cc; background:#fff; cursor:pointer; }
button:hover { background:#f2f4f7; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; font-weight:600; }
button.primary:hover { background:#1b45b3; }
button.danger { color:var(--bad); border-color:#f4a39b; }
button.small { padding:2px 10px; font-size:13px; }
.muted { color:var(--muted); }
.tabs { display:flex; gap:4px; margin-bottom:12px; border-bottom:1px solid var(--line); }
.tabs a { padding:6px 14px; text-decoration:none; color:var(--muted); border:1px solid transparent; border-bottom:none; border-radius:6px 6px 0 0; margin-bottom:-1px; }
.tabs a[aria-current] { color:var(--ink); background:var(--card); border-color:var(--line); font-weight:600; }
.frame-wrap { background:#e9edf3; border-radius:8px; padding:16px; overflow:auto; text-align:center; }
iframe.email { border:1px solid #c5ccd6; background:#fff; height:1800px; display:block; margin:0 auto; }
pre.text { white-space:pre-wrap; word-break:break-word; background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px; font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace; max-width:80ch; }
.bar { height:10px; background:#e4e7ec; border-radius:999px; overflow:hidden; }
.bar > span { display:block; height:100%; background:var(--accent); }
.bar.over > span { background:var(--bad); }
ul.checks { list-style:none; padding:0; margin:8px 0 0; }
ul.checks li { padding:3px 0; }
ul.checks .ok { color:var(--ok); font-weight:700; } ul.checks .bad { color:var(--bad); font-weight:700; }
.pair { border-top:1px solid var(--line); padding:12px 0; display:grid; grid-template-columns:minmax(0,1fr) auto; gap:12px; }
.pair:first-of-type { border-top:none; }
.pair ul { margin:6px 0 0; padding-left:20px; color:var(--muted); }
.pair .buttons { display:flex; flex-direction:column; gap:6px; align-items:stretch; }
.tiles { display:grid; grid-template-columns:repeat(auto-fill,minmax(130px,1fr)); gap:10px; margin-bottom:14px; }
.tile { border:1px solid var(--line); border-radius:8px; padding:10px 12px; background:#fbfcfd; }
.tile b { display:block; font-size:22px; font-variant-numeric:tabular-nums; }
.tile small { color:var(--muted); }
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(340px,1fr)); gap:16px; }
.charts svg { max-width:460px; display:block; }
svg text { font:11px system-ui,sans-serif; fill:#5b6575; }
.login { max-width:440px; margin:60px auto; }
.login input { width:100%; margin:6px 0 12px; }
.kv { display:grid; grid-template-columns:max-content 1fr; gap:4px 14px; margin:0 0 10px; }
.kv dt { color:var(--muted); } .kv dd { margin:0; word-break:break-word; }
.url { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12.5px; word-break:break-all; }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
/* The catalog's forms: a label over each control, its message under it. */
form.stack { display:flex; flex-direction:column; gap:12px; max-width:640px; }
.field { display:flex; flex-direction:column; gap:3px; }
.field label { font-weight:600; }
.field input, .field textarea, .field select { width:100%; font:inherit; padding:6px 8px; border:1px solid #b8c0cc; border-radius:6px; background:#fff; }
.field.invalid input, .field.invalid textarea, .field.invalid select { border-color:var(--bad); box-shadow:0 0 0 1px var(--bad); }
.field small.error { color:var(--bad); font-weight:600; }
form.stack button { align-self:flex-start; }
form.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:center; }
form.filters input[type=search] { font:inherit; padding:6px 8px; border:1px solid #b8c0cc; border-radius:6px; min-width:0; flex:1 1 180px; }
.warn-text { color:var(--warn); font-weight:600; }
b.big { font-size:22px; }
h3.spaced { margin-top:18px; }
.crumbs { margin:0; }
ul.audit { list-style:none; padding:0; margin:0; } ul.audit li { padding:6px 0; border-bottom:1px solid var(--line); }
ul.audit .detail { word-break:break-word; }
tr.retired td { opacity:.6; }
.cal-week { border-top:1px solid var(--line); padding:10px 0; } .cal-week:first-of-type { border-top:none; }
.cal-week ul { margin:4px 0 0; padding-left:20px; }
.badge.tentative { background:#f2f4f7; color:#475467; border:1px dashed #98a2b3; }
/* Wide tables scroll inside their card rather than widening the page. */
.table-scroll { overflow-x:auto; max-width:100%; }
/* A phone: the header wraps instead of clipping "Log out", cards get narrower margins, the catalog's tables
   turn into one block per row with each cell labelled, and other tables scroll inside their card. */
@media (max-width: 640px) {
  header.top { flex-wrap:wrap; gap:8px 16px; padding:10px 14px; }
  header.top nav { order:3; flex-basis:100%; flex-wrap:wrap; gap:4px 14px; }
  main { padding:14px 10px 40px; }
  .card { padding:12px; overflow-x:auto; }
  table.reflow thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  table.reflow, table.reflow tbody, table.reflow tr, table.reflow td { display:block; width:100%; }
  table.reflow tr { border-bottom:1px solid var(--line); padding:6px 0; }
  table.reflow td { border:none; padding:2px 0; text-align:left; }
  table.reflow td[data-label]::before { content:attr(data-label) ": "; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.3px; }
  table.reflow td[data-label="Tool"]::before, table.reflow td[data-label="Reviewer"]::before { content:none; }
  .kv { grid-template-columns:1fr; }
  .pair { grid-template-columns:1fr; }
  .charts { grid-template-columns:1fr; }
  .charts svg { max-width:100%; height:auto; }
  .grid { grid-template-columns:minmax(0,1fr); }
  .frame-wrap { padding:8px; }
  .actions .row { flex-wrap:wrap; }
}
`;

export const ADMIN_JS = String.raw`
(function () {
  // Email frames grow to their content, so the page scrolls instead of the frame.
  // Narrower than the email (a phone), the frame is zoomed out to fit its card instead of scrolling inside it.
  function fit(frame) {
    var wrap = frame.parentElement;
    var width = Number(frame.getAttribute('width')) || frame.offsetWidth;
    var room = wrap ? wrap.clientWidth - 32 : width;
    frame.style.zoom = room < width ? String(Math.max(0.3, room / width)) : '';
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.documentElement) return;
      frame.style.height = Math.max(400, doc.documentElement.scrollHeight + 8) + 'px';
    } catch (e) { /* another origin: keep the fixed height */ }
  }
  document.querySelectorAll('iframe.email').forEach(function (f) {
    f.addEventListener('load', function () { fit(f); });
    window.addEventListener('resize', function () { fit(f); });
    fit(f);
  });

  // Live send progress: poll the JSON while the issue is sending (or approved and about to be).
  var box = document.querySelector('[data-progress-url]');
  if (!box) return;
  var url = box.getAttribute('data-progress-url');
  var state = box.getAttribute('data-state');
  // A sent (or missed, cancelled) issue's figures no longer change: nothing to follow.
  var FINAL = { sent: 1, missed: 1, cancelled: 1 };
  if (FINAL[state]) return;
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) return;
        if (p.state !== state) { location.reload(); return; }
        Object.keys(p).forEach(function (k) {
          var el = box.querySelector('[data-field="' + k + '"]');
          if (el) el.textContent = String(p[k]);
        });
        var bar = box.querySelector('[data-field-bar]');
        if (bar) bar.style.width = p.percent + '%';
      })
      .catch(function () {})
      .then(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
`;
