import type { DaemonLog } from '../ports/DaemonLog.js';

/** A long-running podsgd process as `runUntilSignal` drives it. */
export interface RunnableDaemon {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Resolves with the exit status. */
  readonly done: Promise<number>;
}

/**
 * Starts `daemon`, turns the first SIGTERM or SIGINT into `shutdown()`, and resolves with its exit
 * status. A second signal while shutting down exits at once (status 1). When the daemon is done
 * but something still holds the event loop (a stuck socket), the process exits one second later.
 */
export async function runUntilSignal(daemon: RunnableDaemon, log: DaemonLog): Promise<number> {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'signal received: shutting down');
    void daemon.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await daemon.start();
  } catch (error) {
    await daemon.shutdown().catch(() => undefined);
    throw error;
  }
  const code = await daemon.done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}
