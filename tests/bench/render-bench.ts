// Render timings and sizes of the issue email: `npx tsx tests/bench/render-bench.ts`.
// First = the first renderIssueEmail call of the process for that view (for the preview, the first call
// at all: it loads the template and the email components); warm = median of later calls on the same view.
import { buildPreviewIssue, buildStressIssue, loadSampleCatalog } from '../../emails/_components/preview-data.ts';
import { renderIssueEmail } from '../../src/issues/render.ts';
import type { IssueView } from '../../src/issues/view.ts';

const GMAIL_CLIP_BYTES = 102_400;
const WARM_RUNS = 50;

const catalog = loadSampleCatalog();
if (!catalog) throw new Error('src/catalog/sample-catalog.json is missing');
const preview = buildPreviewIssue(catalog);
const heavy = buildStressIssue(preview, 2, 16);
const stress = buildStressIssue(preview, 3, 16);
// Every text at the catalog schema's maximum (quotes 1,200, descriptions 2,000 characters): not a
// realistic issue, the upper bound of what the catalog allows.
const ceiling = buildStressIssue(preview, 3, 16, 2000);
for (const c of ceiling.comparisons) for (const l of c.scorecard) l.quote = l.quote.repeat(2).slice(0, 1200);

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

async function timed(view: IssueView) {
  const t = performance.now();
  const out = await renderIssueEmail(view);
  return { ...out, ms: performance.now() - t };
}

async function warm(view: IssueView): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) times.push((await timed(view)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const first = await timed(preview);
const rows: Array<[string, IssueView, number]> = [
  ['preview (2 pairs, sample catalog)', preview, first.ms],
  ['heavy (2 pairs × 16 quotes of ~700 chars)', heavy, (await timed(heavy)).ms],
  ['stress (3 pairs × 16 quotes of ~700 chars)', stress, (await timed(stress)).ms],
  ['schema ceiling (3 × 16 × 1,200-char quotes)', ceiling, (await timed(ceiling)).ms],
];

// Let the JIT settle before the warm medians, so the first row is not measured colder than the rest.
for (let i = 0; i < 20; i++) await renderIssueEmail(preview);

console.log(`render-bench: node ${process.version}, ${WARM_RUNS} warm runs each\n`);
for (const [name, view, firstMs] of rows) {
  const { html, text } = await renderIssueEmail(view);
  const size = Buffer.byteLength(html);
  const verdict = size < GMAIL_CLIP_BYTES ? 'under' : 'OVER';
  console.log(name);
  console.log(
    `  html ${size} bytes (${kb(size)}, ${verdict} Gmail's 102,400-byte clip) · text ${Buffer.byteLength(text)} bytes`,
  );
  console.log(
    `  first ${ms(firstMs)}${view === preview ? ' (cold: includes loading the template)' : ''} · warm median ${ms(await warm(view))}`,
  );
}
