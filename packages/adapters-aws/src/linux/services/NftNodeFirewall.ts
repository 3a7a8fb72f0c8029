import { CniError } from '@podsg/cni';
import type { NftTable } from '@podsg/cni';
import { renderNftTable, renderNftTableRemoval } from '../calculations/renderNftTable.js';
import { UnsafeTokenError, safeNetnsPath } from '../calculations/safeTokens.js';
import type { CommandRunner } from '../ports/CommandRunner.js';
import type { NodeFirewall } from '../ports/NodeFirewall.js';
import { spawnCommand } from './spawnCommand.js';

/** Options of `NftNodeFirewall`; production needs none. */
export interface NftNodeFirewallOptions {
  /** Apply inside this network namespace (a path, via `nsenter --net=`); for tests. */
  netns?: string;
  /** The `nft` program (default `nft`). */
  nftPath?: string;
  /** The `nsenter` program (default `nsenter`). */
  nsenterPath?: string;
  /** How processes run (default `child_process.spawn`, no shell). */
  runCommand?: CommandRunner;
}

/**
 * `NodeFirewall` on nftables: each `apply` replaces the whole table in one `nft -f -`
 * transaction, so applying twice leaves exactly one copy and a failure leaves the old table.
 */
export class NftNodeFirewall implements NodeFirewall {
  readonly #netns: string | undefined;
  readonly #nft: string;
  readonly #nsenter: string;
  readonly #run: CommandRunner;

  constructor(options: NftNodeFirewallOptions = {}) {
    this.#netns = options.netns === undefined ? undefined : safeNetnsPath('netns', options.netns);
    this.#nft = options.nftPath ?? 'nft';
    this.#nsenter = options.nsenterPath ?? 'nsenter';
    this.#run = options.runCommand ?? spawnCommand;
  }

  async apply(table: NftTable): Promise<void> {
    await this.#load(`table ${table.family} ${table.name}`, () => renderNftTable(table));
  }

  /** Removes the table; succeeds when it is already gone. */
  async remove(family: NftTable['family'], name: string): Promise<void> {
    await this.#load(`table ${family} ${name}`, () => renderNftTableRemoval(family, name));
  }

  async #load(what: string, render: () => string): Promise<void> {
    let script: string;
    try {
      script = render();
    } catch (error) {
      if (!(error instanceof UnsafeTokenError)) throw error;
      throw new CniError('ApplyFailed', `nftables ${what} is invalid: ${error.message}`, {
        cause: error,
      });
    }
    const args = ['-f', '-'];
    let stderr: string;
    try {
      const outcome =
        this.#netns === undefined
          ? await this.#run(this.#nft, args, script)
          : await this.#run(
              this.#nsenter,
              [`--net=${this.#netns}`, '--', this.#nft, ...args],
              script,
            );
      if (outcome.exitCode === 0) return;
      stderr = outcome.stderr.trim();
    } catch (error) {
      throw new CniError('ApplyFailed', `could not run nft for ${what}`, { cause: error });
    }
    throw new CniError('ApplyFailed', `nft refused ${what}: ${stderr.split('\n')[0] ?? ''}`, {
      details: stderr,
      cause: new Error(stderr),
    });
  }
}
