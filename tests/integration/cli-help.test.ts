// `--help` of every `verdicts` command, as a person reads it: every option says what it takes and what
// happens without it, and every command ends with an example that names that very command.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

/** Every command below the root, with its full name ("subscribers import"). */
function commands(cmd: Command, prefix = ''): Array<{ name: string; cmd: Command }> {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => {
      const name = `${prefix}${c.name()}`;
      return [{ name, cmd: c }, ...commands(c, `${name} `)];
    });
}

/** What `verdicts <name> --help` prints, the after-help examples included. */
function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

const program = buildProgram(() => {});
const all = commands(program);

describe('verdicts --help', () => {
  it('covers the commands an operator needs', () => {
    const names = all.map((c) => c.name);
    for (const n of ['migrate', 'catalog import', 'subscribers import', 'subscribers list', 'plan', 'render', 'send', 'status', 'preview', 'issues', 'approve', 'hold', 'cancel', 'test-send', 'web', 'worker', 'scheduler', 'start']) {
      expect(names).toContain(n);
    }
  });

  it.each(all.map((c) => [c.name, c.cmd] as const))('%s: every option described with its default, a description, an example', (name, cmd) => {
    expect(cmd.description().length, `${name} has a description`).toBeGreaterThan(10);
    for (const opt of cmd.options) {
      expect(opt.description, `${name} ${opt.long} is described`).toBeTruthy();
      // A flag says what happens without it; a value says its format (an example or the allowed values).
      expect(opt.description, `${name} ${opt.long} says its default or that it is required`).toMatch(/default|required/);
    }
    const week = cmd.options.find((o) => o.long === '--week');
    if (week) expect(week.description).toMatch(/YYYY-Www.*2026-W47.*default: the current week/);
    const help = helpOf(cmd);
    expect(help, `${name} ends with an example`).toMatch(new RegExp(`Examples?:\\n(  \\$ npx verdicts .*\\n)*  \\$ npx verdicts ${name}\\b`));
  });

  it('is what the installed command prints', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['src/cli/bin.mjs', 'send', '--help']);
    expect(stdout).toContain('--now');
    expect(stdout).toContain('$ npx verdicts send --week 2026-W47 --wait --json');
  });
});
