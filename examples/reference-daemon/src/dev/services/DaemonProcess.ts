import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** One JSON log line of a podsgd daemon (pino). */
export interface DaemonLogLine {
  readonly msg?: unknown;
  readonly [field: string]: unknown;
}

/** What `DaemonProcess` runs and where its output goes. */
export interface DaemonProcessOptions {
  /** A name for messages and the log file (`controller-0`, `node-agent-node-a`). */
  readonly name: string;
  /** `node` and its arguments (the podsgd launcher first). */
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Every line of stdout and stderr is appended here. */
  readonly logFile: string;
  /** Called with each JSON line the process logs. */
  readonly onLine?: (line: DaemonLogLine) => void;
  /** Called when the process exits while it should be running; it is then started again. */
  readonly onUnexpectedExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Pause before a restart; default 1,000 ms (as a kubelet's first back-off). */
  readonly restartDelayMs?: number;
}

/**
 * A podsgd daemon run as a child process the way a kubelet runs a container: output to a log
 * file, restarted after an unexpected exit, stopped with SIGTERM (then SIGKILL after a grace
 * period).
 */
export class DaemonProcess {
  readonly #options: DaemonProcessOptions;
  readonly #log: WriteStream;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #stopping = false;
  #restartTimer: NodeJS.Timeout | null = null;
  /** How many times the process was started. */
  starts = 0;

  constructor(options: DaemonProcessOptions) {
    this.#options = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  }

  get name(): string {
    return this.#options.name;
  }

  /** The running process's id, or null between a crash and its restart. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Starts the process. */
  start(): void {
    const { command, args, env, cwd, onLine } = this.#options;
    this.starts += 1;
    const child = spawn(command, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      this.#log.write(chunk);
      if (onLine === undefined) return;
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          onLine(JSON.parse(line) as DaemonLogLine);
        } catch {
          // Not a JSON line (a stack trace): it is in the log file.
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => this.#log.write(chunk));
    this.#exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.#log.write(`spawn failed: ${error.message}\n`);
      });
      child.on('close', (code, signal) => {
        if (this.#child === child) this.#child = null;
        resolve();
        if (this.#stopping) return;
        this.#options.onUnexpectedExit(code, signal);
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = null;
          if (!this.#stopping) this.start();
        }, this.#options.restartDelayMs ?? 1000);
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. No restart. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child !== null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(kill);
    }
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }
}
