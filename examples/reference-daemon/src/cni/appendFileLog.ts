import { appendFileSync } from 'node:fs';

/** Options of `appendFileLog`. */
export interface AppendFileLogOptions {
  /** The file to append to (the network configuration's `logFile`); created when missing. */
  path: string;
  /** Words put after the time on every line, e.g. `ADD c0ffee12 default/web`. */
  prefix: string;
  /** Clock for the ISO time of each line; the wall clock when absent. */
  now?: () => Date;
  /** Told once when the file cannot be written; by default nothing is told. */
  onWriteError?: (cause: unknown) => void;
}

/**
 * A log for one plugin run: each call appends one line `<ISO time> <prefix> <message>` to the
 * file. Writes are synchronous, so lines from concurrent plugin runs never interleave within a
 * line and nothing is lost when the process exits right after. A file that cannot be written
 * never fails the CNI operation: the line is dropped.
 */
export function appendFileLog(options: AppendFileLogOptions): (message: string) => void {
  const now = options.now ?? (() => new Date());
  let broken = false;
  return (message) => {
    if (broken) return;
    // One event, one line: a multi-line message (a kernel error) must not break the format.
    const line = `${now().toISOString()} ${options.prefix} ${message.replace(/\s*\n\s*/g, ' | ')}\n`;
    try {
      appendFileSync(options.path, line, { mode: 0o640 });
    } catch (cause) {
      broken = true;
      options.onWriteError?.(cause);
    }
  };
}
