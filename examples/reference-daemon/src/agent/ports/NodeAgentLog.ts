/** Where the node agent reports what it did and what it refused; one line per call. */
export interface NodeAgentLog {
  info(message: string): void;
  warn(message: string): void;
}
