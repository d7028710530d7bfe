// pino JSON lines on stdout; one logger per process, children per component.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, name = 'verdicts'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

export type { Logger };
