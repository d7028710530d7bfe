// The `verdicts` command's entry: from source through tsx (src/cli/bin.mjs), or bundled by `npm run build`
// into dist/verdicts.js, which production processes run with plain node.
import { main } from './main.js';

process.exitCode = await main(process.argv);
