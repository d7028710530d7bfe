// `verdicts catalog import | export | runway`: keeping the catalog fed from the command line.
import { plural } from './words.js';
import { writeFileSync } from 'node:fs';
import type { App } from '../app.js';
import { CatalogError, importCatalogFile } from '../catalog/import.js';
import { describeDiff } from '../catalog/diff.js';
import { exportCatalog } from '../catalog/export.js';
import { catalogForecast, runwayWarning } from '../catalog/runway.js';
import { printJson } from './context.js';

export async function importCommand(app: App, file: string | undefined, o: { json?: boolean; dryRun?: boolean; sample?: boolean }): Promise<number> {
  if (file && o.sample) throw new Error('give a FILE.json or --sample, not both');
  if (!file && !o.sample) {
    const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tools');
    // Re-importing the sample over an editor's catalog would quietly undo their edits to the sample's tools.
    if (rows[0]!.n > 0) throw new Error(`the database already has a catalog (${rows[0]!.n} tools): give a FILE.json, or --sample to import the sample catalog again`);
  }
  try {
    const r = await importCatalogFile(app.db, file, { dryRun: o.dryRun, actor: 'cli' });
    if (o.json) {
      printJson({ applied: r.applied, tools: r.tools, reviewers: r.reviewers, reviews: r.reviews, changes: r.diff });
      return 0;
    }
    console.log(r.applied ? `imported ${plural(r.tools, 'tool')}, ${plural(r.reviewers, 'reviewer')}, ${plural(r.reviews, 'review')}` : `dry run: ${file ?? 'the sample catalog'} is valid; nothing applied`);
    for (const line of describeDiff(r.diff)) console.log(`  ${line}`);
    return 0;
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    // Every problem on standard output, one a line; the one-line reason (the first problem and how many more)
    // on standard error, as for every command.
    if (o.json) printJson({ applied: false, problems: err.problems });
    else {
      console.log(`nothing imported: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} in ${file ?? 'sample-catalog.json'}`);
      for (const p of err.problems) console.log(`  ${p}`);
    }
    throw err;
  }
}

export async function exportCommand(app: App, file: string | undefined): Promise<number> {
  const text = JSON.stringify(await exportCatalog(app.db), null, 2) + '\n';
  if (!file) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new Error(`${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const c = JSON.parse(text) as { tools: unknown[]; reviewers: unknown[]; reviews: unknown[] };
  process.stderr.write(`exported ${c.tools.length} tools, ${c.reviewers.length} reviewers, ${c.reviews.length} reviews to ${file}\n`);
  return 0;
}

export async function runwayCommand(app: App, o: { json?: boolean }): Promise<number> {
  const { runway } = await catalogForecast(app.db, { pairsPerIssue: app.config.pairsPerIssue, timeZone: app.config.scheduleTz });
  if (o.json) {
    printJson(runway);
    return 0;
  }
  console.log(`runway: ${runway.weeks} weekly issue${runway.weeks === 1 ? '' : 's'} at ${app.config.pairsPerIssue} pairs per issue (${runway.pairs_left} pairs left)`);
  for (const [name, c] of Object.entries(runway.categories)) console.log(`  ${name}: ${c.tools} tools, ${c.pairs_left} pairs left`);
  if (runway.ineligible.length) {
    console.log('  not yet eligible:');
    for (const t of runway.ineligible) console.log(`    ${t.slug}: ${t.missing_reviews} more review${t.missing_reviews === 1 ? '' : 's'} needed`);
  }
  const warning = runwayWarning(runway);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  return 0;
}

/** The runway warning for `verdicts plan`, or null when there are 4 or more weeks left. */
export async function runwayLine(app: App): Promise<string | null> {
  const { runway } = await catalogForecast(app.db, { pairsPerIssue: app.config.pairsPerIssue, timeZone: app.config.scheduleTz });
  return runwayWarning(runway);
}
