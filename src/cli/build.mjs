#!/usr/bin/env node
// `npm run build`: bundles the `verdicts` command into dist/verdicts.js for production processes, which then
// run on plain node (`node dist/verdicts.js worker send`) instead of through tsx's loader. Only our own code
// is bundled and transpiled; packages stay in node_modules and load as they do from source. Dynamic
// imports stay separate chunks, so each process loads only what its command uses.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds into `outdir` (default dist/ of the project), replacing what was there. Returns the entry file. */
export async function build(outdir = path.join(root, 'dist')) {
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { verdicts: 'src/cli/run.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    jsx: 'automatic',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return path.join(outdir, 'verdicts.js');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = await build(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`built ${path.relative(process.cwd(), entry)}: run it as node ${path.relative(process.cwd(), entry)} <command>`);
}
