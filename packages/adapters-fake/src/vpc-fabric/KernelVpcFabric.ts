import { execFile } from 'node:child_process';
import type { FakeEc2 } from '../services/FakeEc2.js';
import type { FabricInterface } from './FabricRulesetInput.js';
import { planFabric, type FabricAttachment, type FabricLink } from './planFabric.js';

/** Options of `KernelVpcFabric.start`. */
export interface KernelVpcFabricOptions {
  /** The EC2 model whose interfaces, trunk associations and groups the fabric follows. */
  readonly ec2: FakeEc2;
  /** The network namespace (`ip netns` name) that plays the VPC; it must exist. */
  readonly netns: string;
  /** The fabric's end of the node's trunk link, in `netns`. */
  readonly trunkDevice: string;
  /** The node's instance: the fabric terminates the VLANs of the trunk attached to it. */
  readonly instanceId: string;
  /** Interfaces whose links end on other fabric devices (e.g. a database's veth). */
  readonly attachments?: readonly FabricAttachment[];
  /** How often the model is read; default 200 ms. */
  readonly pollMs?: number;
  /** iproute2 and nftables binaries; default `ip` and `nft` from PATH. */
  readonly ip?: string;
  readonly nft?: string;
  /** Told each time the fabric changed (or failed to). */
  readonly onChange?: (event: KernelVpcFabricEvent) => void;
}

/** What a sync did. */
export type KernelVpcFabricEvent =
  | { kind: 'applied'; added: string[]; removed: string[]; rulesetChanged: boolean }
  | { kind: 'failed'; message: string };

/**
 * The VPC's side of a node on a real kernel: a network namespace holding the far end of the
 * node's trunk link, following `FakeEc2`. For each trunk association it terminates the branch's
 * VLAN (a `vlan<N>` device on the trunk holding the subnet's router address, a /32 route and a
 * permanent neighbour entry for the branch's address and MAC), routes between the links, and
 * enforces every interface's security groups with the nftables ruleset of
 * `compileFabricRuleset` (stateful). It reads the model every `pollMs` and applies only what
 * changed: a group modified on an interface or a rule changed replaces the table atomically.
 */
export class KernelVpcFabric {
  readonly #options: KernelVpcFabricOptions;
  #links = new Map<string, FabricLink>();
  #ruleset = '';
  #interfaces: readonly FabricInterface[] = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #lastFailure = '';

  private constructor(options: KernelVpcFabricOptions) {
    this.#options = options;
  }

  /** Enables forwarding in the namespace, applies the model once, then follows it. */
  static async start(options: KernelVpcFabricOptions): Promise<KernelVpcFabric> {
    const fabric = new KernelVpcFabric(options);
    await fabric.#run('ip', [
      'netns',
      'exec',
      options.netns,
      'sysctl',
      '-qw',
      'net.ipv4.ip_forward=1',
    ]);
    await fabric.sync();
    fabric.#timer = setInterval(() => {
      void fabric.sync().catch(() => undefined);
    }, options.pollMs ?? 200);
    fabric.#timer.unref();
    return fabric;
  }

  /** The interfaces (with their groups) of the ruleset in force. */
  get interfaces(): readonly FabricInterface[] {
    return this.#interfaces;
  }

  /** The links the fabric terminates now. */
  get links(): FabricLink[] {
    return [...this.#links.values()];
  }

  /** The ruleset in force (nft text). */
  get ruleset(): string {
    return this.#ruleset;
  }

  /** Reads the model and applies what changed; concurrent calls run one after the other. */
  sync(): Promise<void> {
    const next = this.#running.then(() => this.#syncOnce());
    this.#running = next.catch(() => undefined);
    return next;
  }

  /** Stops following the model (the namespace and its devices are the caller's). */
  close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    return this.#running;
  }

  async #syncOnce(): Promise<void> {
    const { ec2, instanceId } = this.#options;
    const interfaces = ec2.interfaces();
    const trunk = interfaces.find(
      (eni) => eni.interfaceType === 'trunk' && eni.attachment?.instanceId === instanceId,
    );
    const plan = planFabric(
      {
        interfaces,
        associations: ec2.associations(),
        subnets: ec2.subnets(),
        securityGroups: ec2.securityGroups(),
      },
      trunk?.networkInterfaceId ?? null,
      this.#options.attachments,
    );
    const wanted = new Map(plan.links.map((link) => [link.device, link]));
    const removed = [...this.#links.keys()].filter(
      (device) => !sameLink(wanted.get(device), this.#links.get(device)),
    );
    const added = [...wanted.keys()].filter(
      (device) => !sameLink(wanted.get(device), this.#links.get(device)),
    );
    const rulesetChanged = plan.ruleset !== this.#ruleset;
    if (removed.length === 0 && added.length === 0 && !rulesetChanged) return;
    try {
      for (const device of removed) await this.#removeLink(this.#links.get(device));
      for (const device of added) await this.#addLink(wanted.get(device));
      if (rulesetChanged) {
        await this.#run(
          'ip',
          ['netns', 'exec', this.#options.netns, this.#options.nft ?? 'nft', '-f', '-'],
          plan.ruleset,
        );
      }
    } catch (error) {
      this.#links.clear(); // unknown state: the next sync redoes every link
      const message = error instanceof Error ? error.message : String(error);
      // Told once per distinct failure, not at every poll.
      if (message !== this.#lastFailure) this.#options.onChange?.({ kind: 'failed', message });
      this.#lastFailure = message;
      throw error;
    }
    this.#lastFailure = '';
    this.#links = wanted;
    this.#ruleset = plan.ruleset;
    this.#interfaces = plan.interfaces;
    this.#options.onChange?.({ kind: 'applied', added, removed, rulesetChanged });
  }

  async #addLink(link: FabricLink | undefined): Promise<void> {
    if (link === undefined) return;
    const { device } = link;
    if (link.vlanId !== null) {
      await this.#ipQuiet(['link', 'del', device]);
      await this.#ip([
        'link',
        'add',
        'link',
        this.#options.trunkDevice,
        'name',
        device,
        'type',
        'vlan',
        'id',
        String(link.vlanId),
      ]);
    }
    // noprefixroute: several links may share a subnet; each address is routed as a /32.
    await this.#ipQuiet(['addr', 'del', `${link.gateway}/${link.prefixLength}`, 'dev', device]);
    await this.#ip([
      'addr',
      'add',
      `${link.gateway}/${link.prefixLength}`,
      'dev',
      device,
      'noprefixroute',
    ]);
    await this.#ip(['link', 'set', device, 'up']);
    await this.#ip(['route', 'replace', `${link.address}/32`, 'dev', device]);
    await this.#ip([
      'neigh',
      'replace',
      link.address,
      'lladdr',
      link.macAddress,
      'dev',
      device,
      'nud',
      'permanent',
    ]);
  }

  async #removeLink(link: FabricLink | undefined): Promise<void> {
    if (link === undefined) return;
    if (link.vlanId !== null) {
      await this.#ipQuiet(['link', 'del', link.device]);
      return;
    }
    await this.#ipQuiet(['route', 'del', `${link.address}/32`, 'dev', link.device]);
    await this.#ipQuiet(['neigh', 'del', link.address, 'dev', link.device]);
  }

  #ip(args: string[]): Promise<string> {
    return this.#run(this.#options.ip ?? 'ip', ['-n', this.#options.netns, ...args]);
  }

  async #ipQuiet(args: string[]): Promise<void> {
    await this.#ip(args).catch(() => undefined);
  }

  #run(command: string, args: string[], input?: string): Promise<string> {
    const binary = command === 'ip' ? (this.#options.ip ?? 'ip') : command;
    return new Promise((resolve, reject) => {
      const child = execFile(binary, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${binary} ${args.join(' ')}: ${stderr.trim() || error.message}`));
        } else resolve(stdout);
      });
      child.stdin?.on('error', () => undefined); // it failed before reading: reported above
      child.stdin?.end(input ?? '');
    });
  }
}

function sameLink(a: FabricLink | undefined, b: FabricLink | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
