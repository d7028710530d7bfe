// pino JSON lines; one logger per process, children per component. The CLI logs to stderr so that
// its standard output stays the command's answer.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'verdicts', fd: 1 | 2 = 1): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd, sync: fd === 2 }));
}

export type { Logger };
