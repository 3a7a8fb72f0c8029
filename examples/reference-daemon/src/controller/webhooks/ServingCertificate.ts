import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import type { DaemonLog } from '../../daemon/ports/DaemonLog.js';

/** Where the serving certificate is read from. */
export interface ServingCertificateFiles {
  /** PEM certificate chain (`tls.crt` of a cert-manager secret). */
  readonly certFile: string;
  /** PEM private key (`tls.key`). */
  readonly keyFile: string;
}

/**
 * The webhooks' serving certificate, read from files and reloaded when they change. Built for a
 * Kubernetes secret volume (cert-manager renews the secret; the kubelet swaps the `..data`
 * symlink of the mounted directory atomically): it watches the directory of the certificate,
 * and also re-reads every `pollMs` in case an event is missed. A new pair is taken only when
 * the key matches the certificate; a broken pair (half-written, wrong key) keeps the old one
 * and is logged.
 */
export class ServingCertificate {
  readonly #files: ServingCertificateFiles;
  readonly #log: DaemonLog;
  readonly #onChange: (options: SecureContextOptions) => void;
  #current: { cert: string; key: string } | null = null;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  #debounce: NodeJS.Timeout | null = null;

  constructor(options: {
    files: ServingCertificateFiles;
    log: DaemonLog;
    /** Called with each new valid pair (e.g. `server.setSecureContext`). */
    onChange: (options: SecureContextOptions) => void;
  }) {
    this.#files = options.files;
    this.#log = options.log;
    this.#onChange = options.onChange;
  }

  /**
   * Reads the pair. Throws `PodsgdCliError` naming the flag and file when it cannot be read or the key does
   * not match the certificate (the daemon refuses to start without a usable certificate).
   */
  async load(): Promise<{ cert: string; key: string }> {
    const cert = await readFile(this.#files.certFile, 'utf8').catch((cause: unknown) => {
      throw new PodsgdCliError(
        'Unreadable',
        `--tls-cert-file ${this.#files.certFile}: ${describe(cause)}`,
        this.#files.certFile,
        { cause },
      );
    });
    const key = await readFile(this.#files.keyFile, 'utf8').catch((cause: unknown) => {
      throw new PodsgdCliError(
        'Unreadable',
        `--tls-key-file ${this.#files.keyFile}: ${describe(cause)}`,
        this.#files.keyFile,
        { cause },
      );
    });
    try {
      createSecureContext({ cert, key });
    } catch (cause) {
      throw new PodsgdCliError(
        'InvalidInput',
        `--tls-cert-file ${this.#files.certFile} / --tls-key-file ${this.#files.keyFile}: not a usable pair: ${describe(cause)}`,
        this.#files.certFile,
        { cause },
      );
    }
    this.#current = { cert, key };
    return this.#current;
  }

  /** Starts watching the certificate's directory (and polling every `pollMs`, default 30 s). */
  watch(directory: string, pollMs = 30_000): void {
    if (this.#watcher !== null) return;
    this.#watcher = watch(directory, () => {
      this.#schedule();
    });
    this.#watcher.on('error', (error) => {
      this.#log.warn(
        { err: describe(error), directory },
        'certificate directory watch failed; polling only',
      );
    });
    this.#poll = setInterval(() => {
      this.#schedule();
    }, pollMs);
    this.#poll.unref();
  }

  /** Stops watching. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#poll !== null) clearInterval(this.#poll);
    if (this.#debounce !== null) clearTimeout(this.#debounce);
  }

  #schedule(): void {
    // A secret update is several events (new dir, symlink swap, old dir removal): read once after.
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      void this.#reload();
    }, 100);
  }

  async #reload(): Promise<void> {
    const previous = this.#current;
    let next: { cert: string; key: string };
    try {
      next = await this.load();
    } catch (error) {
      this.#current = previous;
      this.#log.warn(
        { err: describe(error) },
        'serving certificate not reloaded; keeping the previous one',
      );
      return;
    }
    if (previous !== null && previous.cert === next.cert && previous.key === next.key) return;
    this.#onChange(next);
    this.#log.info({ certFile: this.#files.certFile }, 'serving certificate reloaded');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
