// Every command the README names runs as written: each `verdicts …` in its code blocks and inline code
// names a command that exists, with options that command takes, and every `npm run X` is a script.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

const readme = readFileSync('README.md', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

/** The shell lines of fenced blocks (comments dropped) and the inline code spans of the prose. */
function commandTexts(): string[] {
  const texts: string[] = [];
  const fences = /```(\w*)\n([\s\S]*?)```/g;
  let prose = readme;
  for (const m of readme.matchAll(fences)) {
    prose = prose.replace(m[0], '');
    if (m[1] === 'text') continue; // what a program prints, not what to type
    for (const line of m[2]!.split('\n')) texts.push(line.replace(/\s+#.*$/, '').trim());
  }
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) texts.push(m[1]!.trim());
  return texts.filter(Boolean);
}

interface Use {
  text: string;
  path: string[];
  options: string[];
  /** The first word after the command that is not one of its subcommands. */
  stray?: string;
  takesArguments: boolean;
}

/** `npx verdicts subscribers export EMAIL | forget EMAIL` → two uses, the second under the first's parent. */
function verdictsUses(): Use[] {
  const program = buildProgram(() => {});
  const uses: Use[] = [];
  for (const text of commandTexts()) {
    // A command line: `verdicts …` or `npx verdicts …` (not prose that mentions the command).
    const m = /(?:^|\bnpx )verdicts(?:\s+(.*))?$/.exec(text);
    if (!m) continue;
    const rest = m[1] ?? '';
    let parent: Command = program;
    for (const segment of rest.split(/\s+\|\s+/)) {
      const words = segment.replace(/[[\]…]/g, ' ').split(/\s+/).filter(Boolean);
      // A segment starts from the root when its first word is a top-level command, else beside the previous one.
      let cmd: Command = program.commands.some((c) => c.name() === words[0]) ? program : parent;
      const options: string[] = [];
      let stray: string | undefined;
      for (const w of words) {
        if (w.startsWith('--')) options.push(w.replace(/=.*$/, ''));
        else if (!options.length && stray === undefined) {
          const sub = cmd.commands.find((c) => c.name() === w);
          if (sub) {
            parent = cmd;
            cmd = sub;
          } else stray = w;
        }
      }
      const full: string[] = [];
      for (let c: Command | null = cmd; c && c !== program; c = c.parent) full.unshift(c.name());
      uses.push({ text, path: full, options, stray, takesArguments: cmd.registeredArguments.length > 0 });
    }
  }
  return uses;
}

function find(path: string[]): Command | undefined {
  let cmd: Command | undefined = buildProgram(() => {});
  for (const p of path) cmd = cmd?.commands.find((c) => c.name() === p);
  return cmd;
}

describe("the README's commands", () => {
  const uses = verdictsUses();

  it('names many verdicts commands (the check reads the README as written)', () => {
    expect(uses.length).toBeGreaterThan(25);
    expect(new Set(uses.map((u) => u.path.join(' ')))).toContain('subscribers list');
  });

  it.each(uses.map((u) => [u.text, u] as const))('%s', (_text, use) => {
    const cmd = find(use.path)!;
    // After the command come its arguments, or a placeholder (COMMAND, EMAIL, FILE.csv); never an unknown subcommand.
    if (use.stray !== undefined && !/^[A-Z][A-Z.]*[a-z]*$/.test(use.stray)) {
      expect(use.takesArguments, `"${use.text}": "${use.stray}" is not a subcommand of verdicts ${use.path.join(' ')}`).toBe(true);
    }
    const known = new Set([...cmd.options.map((o) => o.long), '--help']);
    for (const o of use.options) expect(known, `"${use.text}": verdicts ${use.path.join(' ')} has ${o}`).toContain(o);
  });

  it('every npm script it names exists', () => {
    const named = [...readme.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(2);
    for (const s of [...named, 'start', 'test']) expect(Object.keys(pkg.scripts)).toContain(s);
  });
});
