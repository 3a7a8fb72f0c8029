/** One failed line of an `ip -batch` run. */
export interface IpBatchFailure {
  /** 1-based line number in the batch input. */
  line: number;
  /** What `ip` printed for it (`RTNETLINK answers: File exists`), trimmed. */
  message: string;
}

const FAILED_LINE = /^Command failed (?:.*):([0-9]+)$/;

/**
 * Reads the failures out of `ip -batch`'s stderr. For each failed line `ip` prints the kernel's or
 * its own message, then `Command failed <file>:<line>`; messages are attached to the line that
 * follows them. Text after the last marker belongs to no line and is dropped.
 */
export function parseIpBatchFailures(stderr: string): IpBatchFailure[] {
  const failures: IpBatchFailure[] = [];
  let pending: string[] = [];
  for (const text of stderr.split('\n')) {
    const marker = FAILED_LINE.exec(text.trim());
    if (marker === null) {
      if (text.trim() !== '') pending.push(text.trim());
      continue;
    }
    failures.push({ line: Number(marker[1]), message: pending.join('; ') });
    pending = [];
  }
  return failures;
}
