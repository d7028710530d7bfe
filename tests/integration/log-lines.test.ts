// Logs a person can read: on a terminal outside production, one readable line per entry; JSON lines
// when the output is a pipe or a file, or NODE_ENV is production. The terminal is a real pseudo-terminal
// (util-linux `script`), so the logger sees what it sees under `npm start`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const SNIPPET = `import { createLogger } from './src/log.ts'; createLogger('info', 'verdicts', 1, { pretty: true }).info({ week: '2026-W47' }, 'issue approved');`;
const node = `${process.execPath} --import tsx --input-type=module -e "${SNIPPET.replace(/"/g, '\\"')}"`;

async function onTerminal(env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec('script', ['-qec', node, '/dev/null'], { env: { PATH: process.env.PATH!, ...env } });
  return stdout.replace(/\r/g, '').replace(/\x1b\[[0-9;]*m/g, '').trim();
}

// Each case waits on child processes only, so the cases (and the two runs of the second) go at once.
describe.concurrent('log lines', () => {
  it('are one readable line on a terminal', async () => {
    const out = await onTerminal();
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: issue approved \{"week":"2026-W47"\}$/);
  });

  it('are JSON on a terminal in production, and whenever the output is not a terminal', async () => {
    const [production, { stdout }] = await Promise.all([onTerminal({ NODE_ENV: 'production' }), exec('/bin/sh', ['-c', node], { env: { PATH: process.env.PATH! } })]);
    expect(JSON.parse(production)).toMatchObject({ level: 30, msg: 'issue approved', week: '2026-W47' });
    expect(JSON.parse(stdout.trim())).toMatchObject({ level: 30, msg: 'issue approved', week: '2026-W47' });
  });
});
