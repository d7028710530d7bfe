// `npm ci` on the oldest Node the project states (package.json engines) must install without an EBADENGINE
// warning: npm warns exactly when an installed package's `engines.node` excludes the running Node, and the
// lockfile records every package's `engines`, so checking the lockfile against that Node is the same check,
// offline and in milliseconds.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown; optional?: boolean; os?: string[] }>;
};

/** Packages of the lockfile whose engines.node refuses `node` (platform packages for other systems excepted). */
function refusing(node: string): string[] {
  const out: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (!where) continue; // the project itself
    // npm skips optional packages for another OS without installing them, so they cannot warn.
    if (entry.optional && entry.os && !entry.os.includes(process.platform)) continue;
    const engines = entry.engines;
    const range = engines && typeof engines === 'object' && !Array.isArray(engines) ? (engines as { node?: unknown }).node : undefined;
    if (typeof range !== 'string') continue;
    if (!semver.satisfies(node, range, { includePrerelease: true })) out.push(`${where.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${range}`);
  }
  return out;
}

describe('dependencies fit the Node versions the project states', () => {
  const oldest = semver.minVersion(pkg.engines.node)!.version;

  it(`every package in the lockfile accepts Node ${oldest} (the engines minimum) and the Node running the tests`, () => {
    expect(refusing(oldest)).toEqual([]);
    expect(refusing(process.versions.node)).toEqual([]);
  });
});
