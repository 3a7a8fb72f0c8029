import { pino } from 'pino';
import type { DaemonLog } from '../ports/DaemonLog.js';

/**
 * The process's structured log: one JSON object per line on stdout (pino, synchronous writes so
 * nothing is lost when the process exits), with `component` (`controller` or `node-agent`),
 * `node` (the node the process runs on, when known) and the caller's fields such as `pod`.
 */
export function createDaemonLog(options: {
  component: string;
  node?: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): DaemonLog {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: {
        component: options.component,
        ...(options.node === undefined ? {} : { node: options.node }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    info: (fields, message) => {
      logger.info(fields, message);
    },
    warn: (fields, message) => {
      logger.warn(fields, message);
    },
    error: (fields, message) => {
      logger.error(fields, message);
    },
  };
}
