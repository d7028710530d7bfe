// Command-line options of the benchmarks (`npm run bench -- --subscribers 1000000`), read with Node's parseArgs.
import path from 'node:path';
import { parseArgs } from 'node:util';

const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;

function parse() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      options: {
        subscribers: string,
        backend: string,
        concurrency: string,
        'ceiling-seconds': string,
        'node-options': string,
        connections: string,
        seconds: string,
        rate: string,
        runs: string,
        senders: string,
        import: string,
        pending: boolean,
        signup: boolean,
        history: boolean,
        issues: string,
        readers: string,
        'webhook-events': string,
        middle: string,
        'web-profile': string,
        'webhook-connections': string,
        'ceiling-only': boolean,
        'keep-db': boolean,
        'reuse-db': string,
        'keep-logs': boolean,
        'known-address': boolean,
        'from-source': boolean,
        inline: boolean,
        paths: string,
        'profile-dir': string,
      },
      allowPositionals: false,
    });
  } catch (err) {
    // A value that starts with '-' must be attached: --node-options='--max-old-space-size=128'.
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
const { values } = parse();

/** The value of `--name V` or `--name=V`. */
export function arg(name: string): string | undefined {
  const v = (values as Record<string, string | boolean | undefined>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** True when `--name` is given. */
export const flag = (name: string): boolean =>
  (values as Record<string, unknown>)[name] === true;

/**
 * What the benchmarks' worker and web processes run: the production build, as operators run them (built
 * here into dist/ by `npm run build`'s code), or with --from-source the source through tsx's loader.
 */
export async function processEntry(say: (s: string) => void): Promise<string | undefined> {
  if (flag('from-source')) {
    say('processes: from source through tsx (src/cli/bin.mjs), as --from-source asks');
    return undefined;
  }
  // @ts-expect-error: a plain .mjs script without type declarations
  const { build } = await import('../../src/cli/build.mjs');
  const entry: string = await build();
  say(`processes: the production build, node ${path.relative(process.cwd(), entry)} (npm run build; --from-source runs src/ through tsx)`);
  return entry;
}
