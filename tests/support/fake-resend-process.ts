// The fake provider in a process of its own, as a real provider is: its clock and event loop are not
// slowed by the sender's work. Steered over its control endpoint.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlFakeResend, type ControlCommand, type ControlResult } from './fake-resend.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-resend-main.ts');

export interface FakeResendProcess {
  url: string;
  child: ChildProcess;
  control(cmd: ControlCommand): Promise<ControlResult>;
  stop(): Promise<void>;
}

/** `gateway`: count the rate limit on arrival in a thread of its own (fake-resend-gateway-worker.mjs). */
export async function startFakeResendProcess(opts: { rate?: number; gateway?: boolean } = {}): Promise<FakeResendProcess> {
  const args = ['--import', 'tsx', MAIN, '--port', '0'];
  if (opts.rate) args.push('--rate', String(opts.rate));
  if (opts.gateway) args.push('--gateway');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (err) {
        reject(err as Error);
      }
    });
    child.once('exit', (code) => reject(new Error(`fake provider exited with ${code}`)));
  });
  return {
    url,
    child,
    control: (cmd) => controlFakeResend(url, cmd),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
