import { accessSync, closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostFacts } from '@podsg/cni';

/** Options of `NodeHostFacts`. */
export interface NodeHostFactsOptions {
  /** Where the kernel lists the namespace's links; `/sys/class/net` when absent (tests point it elsewhere). */
  sysClassNet?: string;
}

/** A name that can only denote one entry of the links directory. */
const LINK_NAME = /^[^/\s]{1,15}$/;

/**
 * `HostFacts` read from the kernel's sysfs (`/sys/class/net`) of the calling process's network
 * namespace: cheap file reads, no process spawned. The reads are synchronous: a node has at most a
 * few hundred links, each a tiny sysfs file, and node:fs/promises would cost a module load. Note that sysfs shows the namespace that was
 * current when it was mounted (`ip netns exec` remounts it for the target namespace).
 */
export class NodeHostFacts implements HostFacts {
  readonly #sysClassNet: string;

  constructor(options: NodeHostFactsOptions = {}) {
    this.#sysClassNet = options.sysClassNet ?? '/sys/class/net';
  }

  /**
   * `count` bytes from the kernel's CSPRNG (`/dev/urandom`, the source `crypto.randomBytes` uses
   * too), read directly: loading node:crypto would cost every plugin run start-up time.
   */
  randomBytes(count: number): Uint8Array {
    const bytes = new Uint8Array(count);
    const fd = openSync('/dev/urandom', 'r');
    try {
      let filled = 0;
      while (filled < count) filled += readSync(fd, bytes, filled, count - filled, null);
    } finally {
      closeSync(fd);
    }
    return bytes;
  }

  /**
   * The MAC of every link that has one, lowercase. Links without a readable address (removed
   * while we read) are skipped; a missing links directory yields no MACs.
   */
  hostLinkMacs(): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.#sysClassNet);
    } catch {
      return Promise.resolve([]);
    }
    const macs: string[] = [];
    for (const name of names) {
      try {
        const mac = readFileSync(join(this.#sysClassNet, name, 'address'), 'utf8').trim();
        if (mac !== '') macs.push(mac.toLowerCase());
      } catch {
        // Removed while we read, or no address (bonding_masters): not a MAC to avoid.
      }
    }
    return Promise.resolve(macs);
  }

  /** Whether `/sys/class/net/<name>` exists; false for anything that is not a link name. */
  hostLinkExists(name: string): Promise<boolean> {
    if (!LINK_NAME.test(name) || name === '.' || name === '..') return Promise.resolve(false);
    try {
      accessSync(join(this.#sysClassNet, name));
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  }
}
