// Files the code reads at run time (migrations, the sample catalog) are found from the project's root, so
// the same code works from src/ through tsx and from the bundle in dist/.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the project's root (package.json and migrations/) above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

export const projectPath = (...parts: string[]) => path.join(PROJECT_ROOT, ...parts);
