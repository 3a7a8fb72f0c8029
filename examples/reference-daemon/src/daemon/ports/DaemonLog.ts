/**
 * The structured log of `podsgd controller` and `podsgd node-agent` (pino's calling convention:
 * fields first, then the message). Fields carry `pod`, `node`, `eniId` … so logs can be searched.
 */
export interface DaemonLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
