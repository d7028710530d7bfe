// The `verdicts` command's entry: from source through tsx (src/cli/bin.mjs), or bundled by `npm run build`
// into dist/verdicts.js, which production processes run with plain node.
import { main, reportFailure } from './main.js';

// An error nobody awaited (a library's event, a stray promise) ends the process with one line, not a stack trace.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    reportFailure(err);
    process.exit(1);
  });
}

process.exitCode = await main(process.argv);
