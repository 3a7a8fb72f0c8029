import { CniError } from '../errors/CniError.js';
import { parseCidr, parseIpAddress } from '../calculations/ipAddress.js';
import type { NetworkSnapshot, RuleState } from '../models/NetworkSnapshot.js';
import type { PlanStep, RoutePlan } from '../models/RoutePlan.js';
import type { PodNetworkApplier, PodSandbox } from '../ports/PodNetworkApplier.js';

/*
 * Internal test support (not exported from the package): a small in-memory kernel that applies
 * plans with the semantics the `PodNetworkApplier` port promises, so runner and CHECK tests can
 * run real plans. The published fake kernel lives in @podsg/adapters-fake.
 */

function emptySnapshot(): NetworkSnapshot {
  return { links: [], addresses: [], routes: [], rules: [], neighbours: [] };
}

function familyOf(step: { family?: 4 | 6; from?: string; to?: string }): 4 | 6 {
  if (step.family !== undefined) return step.family;
  const address = step.from ?? step.to;
  if (address === undefined) return 4;
  return (parseCidr(address) ?? parseIpAddress(address))?.family ?? 4;
}

function sameRule(a: RuleState, b: RuleState): boolean {
  return (
    a.priority === b.priority &&
    String(a.table) === String(b.table) &&
    a.from === b.from &&
    a.to === b.to &&
    a.iif === b.iif &&
    a.fwmark === b.fwmark &&
    a.family === b.family
  );
}

/** An in-memory host namespace plus pod namespaces, applying plans step by step. */
export class InMemoryKernel implements PodNetworkApplier {
  readonly host: NetworkSnapshot = emptySnapshot();
  readonly pods = new Map<string, NetworkSnapshot>();
  /** Every step applied, in order, with the namespace path it ran in. */
  readonly applied: { step: PlanStep; netns: string | null }[] = [];
  /** When set, the step for which it returns true fails like the kernel refusing it. */
  failWhen: ((step: PlanStep) => boolean) | null = null;
  private macCounter = 0;
  /** Host veth name → the pod end of the pair. */
  private readonly peers = new Map<string, { netns: string; name: string }>();

  addPodNamespace(netns: string): void {
    this.pods.set(netns, emptySnapshot());
  }

  /** Destroys a pod namespace: its links go, and with them their host veth peers. */
  removePodNamespace(netns: string): void {
    this.pods.delete(netns);
    for (const [hostName, peer] of this.peers) {
      if (peer.netns === netns) {
        this.removeLink(this.host, hostName);
        this.peers.delete(hostName);
      }
    }
  }

  addHostLink(name: string, mac: string, extra: { kind?: string } = {}): void {
    this.host.links.push({ name, mac, mtu: 9001, up: true, ...extra });
  }

  apply(plan: RoutePlan, sandbox: PodSandbox | null): Promise<void> {
    for (const step of plan.steps) {
      if (this.failWhen?.(step) === true) {
        return Promise.reject(
          new CniError('ApplyFailed', `step ${step.op} failed: Operation not permitted`),
        );
      }
      this.applied.push({ step, netns: sandbox?.netns ?? null });
      const isDeletion = step.op.endsWith('.del');
      let ns: NetworkSnapshot | undefined = this.host;
      if (step.ns === 'pod') ns = sandbox === null ? undefined : this.pods.get(sandbox.netns);
      if (ns === undefined) {
        if (isDeletion) continue;
        return Promise.reject(new CniError('ApplyFailed', `step ${step.op}: no pod namespace`));
      }
      try {
        this.applyStep(step, ns, sandbox);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return Promise.resolve();
  }

  snapshot(sandbox: PodSandbox | null): Promise<NetworkSnapshot> {
    if (sandbox === null) return Promise.resolve(structuredClone(this.host));
    const pod = this.pods.get(sandbox.netns);
    if (pod === undefined) {
      return Promise.reject(new CniError('NotFound', `no namespace ${sandbox.netns}`));
    }
    return Promise.resolve(structuredClone(pod));
  }

  private removeLink(ns: NetworkSnapshot, name: string): void {
    ns.links = ns.links.filter((l) => l.name !== name);
    ns.addresses = ns.addresses.filter((a) => a.dev !== name);
    ns.routes = ns.routes.filter((r) => r.dev !== name);
    ns.neighbours = ns.neighbours.filter((n) => n.dev !== name);
  }

  private applyStep(step: PlanStep, ns: NetworkSnapshot, sandbox: PodSandbox | null): void {
    const fail = (why: string): never => {
      throw new CniError('ApplyFailed', `step ${step.op}: ${why}`);
    };
    switch (step.op) {
      case 'link.add.veth': {
        if (ns.links.some((l) => l.name === step.name)) fail('File exists');
        if (this.host.links.some((l) => l.name === step.peerName)) fail('File exists');
        this.macCounter++;
        const podMac = `0a:00:00:00:00:${this.macCounter.toString(16).padStart(2, '0')}`;
        ns.links.push({ name: step.name, kind: 'veth', mac: podMac, mtu: step.mtu, up: false });
        this.peers.set(step.peerName, { netns: sandbox?.netns ?? '', name: step.name });
        this.host.links.push({
          name: step.peerName,
          kind: 'veth',
          mac: step.peerMac,
          mtu: step.mtu,
          up: false,
        });
        break;
      }
      case 'link.add.vlan': {
        if (ns.links.some((l) => l.name === step.name)) fail('File exists');
        if (!ns.links.some((l) => l.name === step.parent)) fail('Cannot find device');
        ns.links.push({
          name: step.name,
          kind: 'vlan',
          mac: step.mac,
          mtu: 9001,
          up: false,
          parent: step.parent,
          vlanId: step.vlanId,
          ...(step.alias === undefined ? {} : { alias: step.alias }),
        });
        break;
      }
      case 'link.set': {
        const link = ns.links.find((l) => l.name === step.name);
        if (link === undefined) return fail('Cannot find device');
        if (step.up !== undefined) link.up = step.up;
        if (step.mtu !== undefined) link.mtu = step.mtu;
        if (step.mac !== undefined) link.mac = step.mac;
        break;
      }
      case 'link.del': {
        const link = ns.links.find((l) => l.name === step.name);
        if (link === undefined) break;
        this.removeLink(ns, step.name);
        // A veth pair dies together.
        if (ns === this.host) {
          const peer = this.peers.get(step.name);
          const pod = peer === undefined ? undefined : this.pods.get(peer.netns);
          if (peer !== undefined && pod !== undefined) this.removeLink(pod, peer.name);
          this.peers.delete(step.name);
        } else {
          for (const [hostName, peer] of this.peers) {
            if (peer.netns === sandbox?.netns && peer.name === step.name) {
              this.removeLink(this.host, hostName);
              this.peers.delete(hostName);
            }
          }
        }
        break;
      }
      case 'addr.add':
        if (!ns.links.some((l) => l.name === step.dev)) fail('Cannot find device');
        if (!ns.addresses.some((a) => a.dev === step.dev && a.cidr === step.cidr)) {
          ns.addresses.push({ dev: step.dev, cidr: step.cidr });
        }
        break;
      case 'route.replace': {
        if (step.dev !== undefined && !ns.links.some((l) => l.name === step.dev)) {
          fail('Cannot find device');
        }
        const table = step.table ?? 'main';
        ns.routes = ns.routes.filter(
          (r) =>
            !(
              String(r.table) === String(table) &&
              r.dst === step.dst &&
              (step.dst !== 'default' || r.via === step.via)
            ),
        );
        ns.routes.push({
          table,
          dst: step.dst,
          ...(step.dev === undefined ? {} : { dev: step.dev }),
          ...(step.via === undefined ? {} : { via: step.via }),
          ...(step.scope === undefined ? {} : { scope: step.scope }),
        });
        break;
      }
      case 'route.del':
        ns.routes = ns.routes.filter(
          (r) => !(String(r.table) === String(step.table ?? 'main') && r.dst === step.dst),
        );
        break;
      case 'rule.add':
      case 'rule.del': {
        const rule: RuleState = {
          priority: step.priority,
          table: step.table,
          family: familyOf(step),
        };
        if (step.from !== undefined) rule.from = step.from;
        if (step.to !== undefined) rule.to = step.to;
        if (step.iif !== undefined) rule.iif = step.iif;
        if (step.fwmark !== undefined) rule.fwmark = step.fwmark;
        const index = ns.rules.findIndex((r) => sameRule(r, rule));
        if (step.op === 'rule.add' && index < 0) ns.rules.push(rule);
        if (step.op === 'rule.del' && index >= 0) ns.rules.splice(index, 1);
        break;
      }
      case 'neigh.replace':
        if (!ns.links.some((l) => l.name === step.dev)) fail('Cannot find device');
        ns.neighbours = ns.neighbours.filter((n) => !(n.dev === step.dev && n.ip === step.ip));
        ns.neighbours.push({ dev: step.dev, ip: step.ip, mac: step.mac, permanent: true });
        break;
      case 'sysctl.set':
        break;
    }
  }
}
