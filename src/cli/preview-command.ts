// `verdicts preview [--week W] [--open]`: the week's planned issue rendered from the database as it
// stands now (its pairs, today's panel and community figures), personalised for the sample reader, written
// to <DATA_DIR>/previews/<week>.html and .txt. The stored issue is not changed: preview is read-only.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../app.js';
import { issueQuality } from '../issues/approval.js';
import { composeIssueView } from '../issues/compose.js';
import { IssueError } from '../issues/plan.js';
import { renderIssueEmail } from '../issues/render.js';
import { EDITABLE_STATES } from '../issues/lifecycle.js';
import { findIssue } from '../issues/repo.js';
import { describeFailures } from '../issues/quality.js';

const KB = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The desktop's "open this file" command, if one is on PATH. */
export function findOpener(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | null {
  const candidates = platform === 'darwin' ? ['open'] : ['xdg-open', 'open'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of candidates) {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return path.join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** Starts the opener and waits briefly: an opener that fails at once (no browser, no display) says so. */
function openFile(opener: string, file: string, waitMs = 2000): Promise<string> {
  const name = path.basename(opener);
  const manual = `open ${pathToFileURL(file).href} in a browser`;
  return new Promise((resolve) => {
    const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
    const timer = setTimeout(() => {
      child.unref();
      resolve(`opened with ${name}`);
    }, waitMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`could not open it with ${name} (${err.message}); ${manual}`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? `opened with ${name}` : `could not open it: ${name} exited with ${code} (no browser or display?); ${manual}`);
    });
  });
}

export async function previewCommand(app: App, week: string, o: { open?: boolean }): Promise<number> {
  const issue = await findIssue(app.db, week);
  if (!issue) throw new IssueError(`no issue planned for ${week}: run "verdicts plan --week ${week}" first`);

  let source: string;
  if (EDITABLE_STATES.includes(issue.state)) {
    // Not sent yet: render afresh, so the editor sees today's figures.
    const view = await composeIssueView(app.db, issue, app.config);
    const { html, text } = await renderIssueEmail(view);
    Object.assign(issue, { subject: view.subject, preheader: view.preheader, html, text });
    source = 'rendered now from the database';
  } else if (issue.html && issue.text) {
    source = `the stored render (the issue is ${issue.state}: readers got exactly this)`;
  } else {
    throw new IssueError(`issue ${week} is ${issue.state} and was never rendered: nothing to preview`);
  }

  const report = await issueQuality(app.db, issue, app.config);
  const dir = path.resolve(app.config.dataDir, 'previews');
  mkdirSync(dir, { recursive: true });
  const htmlFile = path.join(dir, `${week}.html`);
  const textFile = path.join(dir, `${week}.txt`);
  writeFileSync(htmlFile, report.sample.html);
  writeFileSync(textFile, report.sample.text);

  console.log(`${week} (${issue.state}): "${issue.subject}", ${source}`);
  console.log(`  html: ${htmlFile}  (${KB(report.htmlBytes)} of Gmail's ${KB(report.limitBytes)} clipping limit)`);
  console.log(`  text: ${textFile}`);
  console.log(`  links: ${report.links.length} (${report.links.filter((l) => l.kind === 'bad').length} bad) · images: ${report.images.length}`);
  console.log(`  quality: ${describeFailures(report.failures)}`);
  const origin = {
    PUBLIC_URL: 'PUBLIC_URL',
    'npm start': 'the running npm start (remembered in .data/npm-start.json)',
    PORT: 'the default for PORT; no PUBLIC_URL and no npm start found: set PUBLIC_URL to where the site runs',
  }[app.config.publicUrlSource];
  console.log(`  links under ${app.config.publicUrl}: from ${origin}`);
  console.log('  links are signed for reader id 0 (nobody): clicking them acts on no one.');

  if (o.open) {
    const opener = findOpener();
    if (!opener) {
      console.log(`could not open it: no xdg-open or open on PATH; open ${pathToFileURL(htmlFile).href} in a browser`);
    } else {
      console.log(await openFile(opener, htmlFile));
    }
  }
  return 0;
}
