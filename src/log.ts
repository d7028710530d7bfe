// pino, one logger per process, children per component. JSON lines, except for a person at a terminal
// in development: there one readable line per entry (pino-pretty). The CLI logs to stderr so that its
// standard output stays the command's answer.
import { pino, type Logger } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export interface LoggerOptions {
  /** Readable lines when the output is a terminal and NODE_ENV is not production (`npm start`, the CLI's own commands). */
  pretty?: boolean;
}

/** Whether a logger with `pretty` asked for writes readable lines to `fd` now. */
export function prettyLogs(fd: 1 | 2, env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = fd === 1 ? process.stdout : process.stderr;
  return Boolean(stream.isTTY) && env.NODE_ENV !== 'production';
}

export function createLogger(level: string, name = 'verdicts', fd: 1 | 2 = 1, opts: LoggerOptions = {}): Logger {
  const options = { name, level, base: { pid: process.pid } };
  if (opts.pretty && prettyLogs(fd)) {
    // In the main thread and synchronous (not a transport's worker thread): lines come out in order with
    // the banner npm start prints, and nothing is lost when the process exits.
    return pino(options, prettyStream({ destination: fd, sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' }));
  }
  return pino(options, pino.destination({ fd, sync: fd === 2 }));
}

export type { Logger };
