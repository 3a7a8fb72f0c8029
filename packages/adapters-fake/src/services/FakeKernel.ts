import { CniError, cidrContainsAddress, parseCidr, parseIpAddress, parseMac } from '@podsg/cni';
import type {
  AddressState,
  LinkState,
  NeighbourState,
  NetworkSnapshot,
  PlanStep,
  PodNetworkApplier,
  PodSandbox,
  RoutePlan,
  RouteState,
  RuleState,
  Table,
} from '@podsg/cni';
import type {
  FakeKernelOptions,
  KernelFaultErrno,
  KernelFaultRule,
} from '../models/FakeKernelOptions.js';
import { SeededRandom } from './SeededRandom.js';

interface Link {
  name: string;
  kind: string | undefined;
  mac: string;
  mtu: number;
  up: boolean;
  parent: string | undefined;
  vlanId: number | undefined;
  alias: string | undefined;
  /** For a veth: the other end. */
  peer: { ns: NamespaceState; name: string } | undefined;
}

interface Route extends RouteState {
  family: 4 | 6;
}

interface Rule extends RuleState {
  family: 4 | 6;
}

interface NamespaceState {
  id: string;
  links: Map<string, Link>;
  addresses: AddressState[];
  routes: Route[];
  rules: Rule[];
  neighbours: NeighbourState[];
  sysctls: Map<string, string>;
}

/** The kernel's answer to a failed netlink request. */
class KernelFailure extends Error {
  constructor(
    readonly errno:
      'EEXIST' | 'ENODEV' | 'ENOENT' | 'ENETUNREACH' | 'ENETDOWN' | 'EINVAL' | KernelFaultErrno,
    message: string,
  ) {
    super(`RTNETLINK answers: ${message}`);
  }
}

/**
 * An in-memory Linux network stack implementing `PodNetworkApplier`: namespaces holding links,
 * addresses, routes, rules, neighbours and sysctls, changed by plan steps with the kernel's
 * semantics: creating what exists is EEXIST, naming a missing device ENODEV, a gateway that
 * no link route reaches ENETUNREACH, a route over a down link ENETDOWN; deletes are idempotent;
 * a veth is a pair across two namespaces (deleting either end deletes both); a VLAN device
 * lives on its parent (deleting the parent deletes it); deleting a link takes its addresses,
 * routes and neighbours with it, while rules that name it survive. Failures throw `CniError`
 * `ApplyFailed` naming the step, with the kernel's message as cause.
 *
 * Pod namespaces are created and destroyed by the container runtime: `createNamespace`,
 * `deleteNamespace`. Seeded `faults` make chosen steps fail (EPERM by default) without effect.
 */
export class FakeKernel implements PodNetworkApplier {
  readonly #host: NamespaceState;
  readonly #pods = new Map<string, NamespaceState>();
  readonly #random: SeededRandom;
  readonly #faultRandom: SeededRandom;
  #faultRules: readonly KernelFaultRule[];
  readonly #stepLog: { netns: string | null; step: PlanStep; ok: boolean }[] = [];

  constructor(options: FakeKernelOptions = {}) {
    const root = new SeededRandom(options.seed ?? 1);
    this.#random = root.fork('kernel');
    // Its own stream, so that turning faults on does not change the MACs a run hands out.
    this.#faultRandom = root.fork('kernel-faults');
    this.#faultRules = validateFaults(options.faults ?? []);
    this.#host = newNamespace('host');
    const hostLinks = options.hostLinks ?? [
      { name: 'eth0', mac: '02:00:00:00:00:01', mtu: 9001, up: true },
      { name: 'eth1', mac: '02:00:00:00:00:02', mtu: 9001, up: true },
    ];
    hostLinks.forEach((spec, index) => {
      const mac = parseMac(spec.mac);
      if (mac === null || this.#host.links.has(spec.name)) {
        throw new CniError(
          'InvalidConfig',
          `FakeKernel hostLinks[${index}]: name or mac is invalid`,
        );
      }
      this.#host.links.set(spec.name, {
        ...plainLink(spec.name, mac, spec.mtu ?? 1500),
        up: spec.up ?? true,
      });
      for (const cidr of spec.addresses ?? []) {
        this.#host.addresses.push({ dev: spec.name, cidr: canonicalCidr(cidr) ?? cidr });
      }
    });
  }

  /** Applies the steps in order; the first failure throws and leaves earlier steps applied. */
  apply(plan: RoutePlan, sandbox: PodSandbox | null): Promise<void> {
    try {
      plan.steps.forEach((step, index) => {
        try {
          this.#applyStep(step, sandbox);
          this.#stepLog.push({ netns: sandbox?.netns ?? null, step: { ...step }, ok: true });
        } catch (error) {
          this.#stepLog.push({ netns: sandbox?.netns ?? null, step: { ...step }, ok: false });
          if (!(error instanceof KernelFailure)) throw error;
          throw new CniError(
            'ApplyFailed',
            `step ${index} (${describeStep(step)}) failed: ${error.message}`,
            {
              details: error.errno,
              cause: error,
            },
          );
        }
      });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The namespace's state; `CniError` `NotFound` for a pod namespace that does not exist. */
  snapshot(sandbox: PodSandbox | null): Promise<NetworkSnapshot> {
    const ns = sandbox === null ? this.#host : this.#pods.get(sandbox.netns);
    if (ns === undefined) {
      return Promise.reject(
        new CniError('NotFound', `network namespace ${sandbox?.netns ?? ''} does not exist`),
      );
    }
    return Promise.resolve(snapshotOf(ns));
  }

  // ---------------------------------------------------------------- driving the model

  /** Creates a pod network namespace (as the container runtime does), holding a down `lo`. */
  createNamespace(netns: string): void {
    if (this.#pods.has(netns))
      throw new CniError('InvalidEnvironment', `network namespace ${netns} exists`);
    const ns = newNamespace(netns);
    ns.links.set('lo', {
      ...plainLink('lo', '00:00:00:00:00:00', 65536),
      up: false,
      kind: 'loopback',
    });
    this.#pods.set(netns, ns);
  }

  /** Destroys a pod namespace; veths with an end in it disappear from the host too. */
  deleteNamespace(netns: string): boolean {
    const ns = this.#pods.get(netns);
    if (ns === undefined) return false;
    for (const name of [...ns.links.keys()]) this.#deleteLink(ns, name);
    this.#pods.delete(netns);
    return true;
  }

  /** Adds a host link (e.g. a second trunk interface hot-plugged). */
  addHostLink(spec: { name: string; mac: string; mtu?: number; up?: boolean }): void {
    const mac = parseMac(spec.mac);
    if (mac === null)
      throw new CniError('InvalidConfig', `addHostLink: mac ${spec.mac} is invalid`);
    if (this.#host.links.has(spec.name))
      throw new CniError('InvalidConfig', `addHostLink: ${spec.name} exists`);
    this.#host.links.set(spec.name, {
      ...plainLink(spec.name, mac, spec.mtu ?? 1500),
      up: spec.up ?? true,
    });
  }

  /** Replaces the injected faults (e.g. none, before checking a quiescent state). */
  setFaults(faults: readonly KernelFaultRule[]): void {
    this.#faultRules = validateFaults(faults);
  }

  // ---------------------------------------------------------------- inspection

  /** Pod namespaces that exist. */
  namespaces(): string[] {
    return [...this.#pods.keys()];
  }

  /** A sysctl value set through a plan, or undefined. */
  sysctl(netns: string | null, key: string): string | undefined {
    return (netns === null ? this.#host : this.#pods.get(netns))?.sysctls.get(key);
  }

  /** Every step applied (or attempted: `ok` false), in order. */
  appliedSteps(): { netns: string | null; step: PlanStep; ok: boolean }[] {
    return this.#stepLog.map((entry) => ({ ...entry, step: { ...entry.step } }));
  }

  // ---------------------------------------------------------------- step semantics

  #applyStep(step: PlanStep, sandbox: PodSandbox | null): void {
    const errno = this.#drawFault(step);
    if (errno !== null) throw new KernelFailure(errno, FAULT_MESSAGES[errno]);
    const ns =
      step.ns === 'host'
        ? this.#host
        : sandbox === null
          ? undefined
          : this.#pods.get(sandbox.netns);
    if (ns === undefined) {
      // A teardown of a pod whose namespace is already gone has nothing left to delete.
      if (step.op === 'link.del' || step.op === 'route.del' || step.op === 'rule.del') return;
      throw new KernelFailure(
        'ENOENT',
        `network namespace ${sandbox?.netns ?? '(none given)'} does not exist`,
      );
    }
    switch (step.op) {
      case 'link.add.veth': {
        const peerNs = this.#host;
        if (ns.links.has(step.name))
          throw new KernelFailure('EEXIST', `File exists (link ${step.name})`);
        if (peerNs.links.has(step.peerName))
          throw new KernelFailure('EEXIST', `File exists (link ${step.peerName})`);
        const peerMac = parseMac(step.peerMac);
        if (peerMac === null)
          throw new KernelFailure('EINVAL', `Invalid argument (mac ${step.peerMac})`);
        checkMtu(step.mtu);
        ns.links.set(step.name, {
          ...plainLink(step.name, this.#randomMac(), step.mtu),
          kind: 'veth',
          peer: { ns: peerNs, name: step.peerName },
        });
        peerNs.links.set(step.peerName, {
          ...plainLink(step.peerName, peerMac, step.mtu),
          kind: 'veth',
          peer: { ns, name: step.name },
        });
        return;
      }
      case 'link.add.vlan': {
        const parent = ns.links.get(step.parent);
        if (parent === undefined)
          throw new KernelFailure('ENODEV', `Cannot find device "${step.parent}"`);
        if (ns.links.has(step.name))
          throw new KernelFailure('EEXIST', `File exists (link ${step.name})`);
        if (!Number.isInteger(step.vlanId) || step.vlanId < 1 || step.vlanId > 4094) {
          throw new KernelFailure('EINVAL', `Invalid argument (vlan id ${step.vlanId})`);
        }
        for (const link of ns.links.values()) {
          if (link.kind === 'vlan' && link.parent === step.parent && link.vlanId === step.vlanId) {
            throw new KernelFailure(
              'EEXIST',
              `File exists (VLAN ${step.vlanId} on ${step.parent} is ${link.name})`,
            );
          }
        }
        const mac = parseMac(step.mac);
        if (mac === null) throw new KernelFailure('EINVAL', `Invalid argument (mac ${step.mac})`);
        ns.links.set(step.name, {
          ...plainLink(step.name, mac, parent.mtu),
          kind: 'vlan',
          parent: step.parent,
          vlanId: step.vlanId,
          alias: step.alias,
        });
        return;
      }
      case 'link.set': {
        const link = this.#link(ns, step.name);
        if (step.mac !== undefined) {
          const mac = parseMac(step.mac);
          if (mac === null) throw new KernelFailure('EINVAL', `Invalid argument (mac ${step.mac})`);
          link.mac = mac;
        }
        if (step.mtu !== undefined) {
          checkMtu(step.mtu);
          link.mtu = step.mtu;
        }
        if (step.up !== undefined) link.up = step.up;
        return;
      }
      case 'link.del':
        if (ns.links.has(step.name)) this.#deleteLink(ns, step.name);
        return;
      case 'addr.add': {
        this.#link(ns, step.dev);
        const cidr = canonicalCidr(step.cidr);
        if (cidr === null)
          throw new KernelFailure('EINVAL', `Invalid argument (address ${step.cidr})`);
        if (!ns.addresses.some((a) => a.dev === step.dev && a.cidr === cidr)) {
          ns.addresses.push({ dev: step.dev, cidr });
        }
        return;
      }
      case 'route.replace': {
        const route = this.#resolveRoute(ns, step);
        const index = ns.routes.findIndex(
          (r) =>
            tableKey(r.table) === tableKey(route.table) &&
            r.dst === route.dst &&
            r.family === route.family,
        );
        if (index >= 0) ns.routes[index] = route;
        else ns.routes.push(route);
        return;
      }
      case 'route.del': {
        const dst = step.dst === 'default' ? 'default' : canonicalCidr(step.dst);
        const via = step.via === undefined ? undefined : parseIpAddress(step.via)?.address;
        const index = ns.routes.findIndex(
          (r) =>
            tableKey(r.table) === tableKey(step.table ?? 'main') &&
            r.dst === dst &&
            (step.dev === undefined || r.dev === step.dev) &&
            (via === undefined || r.via === via) &&
            (dst !== 'default' || via === undefined || r.family === familyOf(via)),
        );
        if (index >= 0) ns.routes.splice(index, 1);
        return;
      }
      case 'rule.add': {
        const rule = ruleOf(step);
        if (!ns.rules.some((r) => sameRule(r, rule))) {
          ns.rules.push(rule);
          ns.rules.sort((a, b) => a.priority - b.priority);
        }
        return;
      }
      case 'rule.del': {
        const wanted = ruleOf(step);
        const index = ns.rules.findIndex((r) => ruleSelects(wanted, r));
        if (index >= 0) ns.rules.splice(index, 1);
        return;
      }
      case 'neigh.replace': {
        this.#link(ns, step.dev);
        const ip = parseIpAddress(step.ip)?.address;
        const mac = parseMac(step.mac);
        if (ip === undefined || mac === null) {
          throw new KernelFailure(
            'EINVAL',
            `Invalid argument (neighbour ${step.ip} lladdr ${step.mac})`,
          );
        }
        const entry: NeighbourState = { dev: step.dev, ip, mac, permanent: true };
        const index = ns.neighbours.findIndex((n) => n.dev === step.dev && n.ip === ip);
        if (index >= 0) ns.neighbours[index] = entry;
        else ns.neighbours.push(entry);
        return;
      }
      case 'sysctl.set': {
        const device = /^net\.ipv[46]\.(?:conf|neigh)\.(.+)\.[^.]+$/.exec(step.key)?.[1];
        const devName = device?.replaceAll('/', '.');
        if (
          devName !== undefined &&
          devName !== 'all' &&
          devName !== 'default' &&
          !ns.links.has(devName)
        ) {
          throw new KernelFailure('ENOENT', `sysctl ${step.key}: No such file or directory`);
        }
        ns.sysctls.set(step.key, step.value);
        return;
      }
    }
  }

  /** A route as the kernel would store it, after the kernel's checks. */
  #resolveRoute(
    ns: NamespaceState,
    step: Extract<PlanStep, { op: 'route.replace' | 'route.del' }>,
  ): Route {
    const table = step.table ?? 'main';
    const dst = step.dst === 'default' ? 'default' : canonicalCidr(step.dst);
    if (dst === null)
      throw new KernelFailure('EINVAL', `Invalid argument (destination ${step.dst})`);
    const via = step.via === undefined ? undefined : parseIpAddress(step.via)?.address;
    if (step.via !== undefined && via === undefined) {
      throw new KernelFailure('EINVAL', `Invalid argument (gateway ${step.via})`);
    }
    const family = via !== undefined ? familyOf(via) : dst === 'default' ? 4 : familyOf(dst);
    let dev = step.dev;
    if (via !== undefined) {
      const onLink = this.#gatewayDevice(ns, table, via, dev);
      if (onLink === undefined)
        throw new KernelFailure('ENETUNREACH', `Nexthop has invalid gateway (${via})`);
      dev = onLink;
    }
    if (dev === undefined)
      throw new KernelFailure('EINVAL', 'Invalid argument (route needs dev or via)');
    const link = this.#link(ns, dev);
    if (!link.up) throw new KernelFailure('ENETDOWN', `Network is down (${dev})`);
    const route: Route = {
      table,
      dst,
      dev,
      scope: step.scope ?? (via === undefined ? 'link' : 'universe'),
      family,
    };
    if (via !== undefined) route.via = via;
    return route;
  }

  /**
   * The device through which `via` is on-link: an IPv6 link-local gateway on the given device,
   * a link-scope route of the same table covering it, or an address prefix of a link.
   */
  #gatewayDevice(
    ns: NamespaceState,
    table: Table,
    via: string,
    dev: string | undefined,
  ): string | undefined {
    if (dev !== undefined && familyOf(via) === 6 && via.toLowerCase().startsWith('fe80:')) {
      this.#link(ns, dev);
      return dev;
    }
    for (const route of ns.routes) {
      if (tableKey(route.table) !== tableKey(table) || route.via !== undefined) continue;
      if (route.dst === 'default' || !cidrContainsAddress(route.dst, via)) continue;
      if (dev === undefined || route.dev === dev) return route.dev;
    }
    for (const address of ns.addresses) {
      if ((dev === undefined || address.dev === dev) && cidrContainsAddress(address.cidr, via)) {
        const prefix = Number(address.cidr.split('/')[1]);
        if (prefix < (familyOf(via) === 4 ? 32 : 128)) return address.dev;
      }
    }
    return undefined;
  }

  #drawFault(step: PlanStep): KernelFaultErrno | null {
    for (const rule of this.#faultRules) {
      if (rule.op !== '*' && rule.op !== step.op) continue;
      if (this.#faultRandom.next() < rule.rate) return rule.errno ?? 'EPERM';
    }
    return null;
  }

  #link(ns: NamespaceState, name: string): Link {
    const link = ns.links.get(name);
    if (link === undefined) throw new KernelFailure('ENODEV', `Cannot find device "${name}"`);
    return link;
  }

  /** Removes a link with everything that depends on it: its peer, VLANs on it, addresses, routes, neighbours. */
  #deleteLink(ns: NamespaceState, name: string): void {
    const link = ns.links.get(name);
    if (link === undefined) return;
    ns.links.delete(name);
    ns.addresses = ns.addresses.filter((a) => a.dev !== name);
    ns.routes = ns.routes.filter((r) => r.dev !== name);
    ns.neighbours = ns.neighbours.filter((n) => n.dev !== name);
    if (link.peer !== undefined) this.#deleteLink(link.peer.ns, link.peer.name);
    for (const child of [...ns.links.values()]) {
      if (child.kind === 'vlan' && child.parent === name) this.#deleteLink(ns, child.name);
    }
  }

  #randomMac(): string {
    const hex = this.#random.hex(10);
    // Locally administered, unicast, as the kernel's random veth addresses are.
    return `0a:${hex.match(/../g)?.join(':') ?? ''}`;
  }
}

const FAULT_MESSAGES: Record<KernelFaultErrno, string> = {
  EPERM: 'Operation not permitted',
  ENOMEM: 'Cannot allocate memory',
  EBUSY: 'Device or resource busy',
};

// A record, so that a new step kind fails to compile until it is listed here.
const PLAN_STEP_OPS: Record<PlanStep['op'], true> = {
  'link.add.veth': true,
  'link.add.vlan': true,
  'link.set': true,
  'link.del': true,
  'addr.add': true,
  'route.replace': true,
  'route.del': true,
  'rule.add': true,
  'rule.del': true,
  'neigh.replace': true,
  'sysctl.set': true,
};

function validateFaults(faults: readonly KernelFaultRule[]): readonly KernelFaultRule[] {
  faults.forEach((rule, index) => {
    if (rule.op !== '*' && !Object.hasOwn(PLAN_STEP_OPS, rule.op)) {
      throw new CniError(
        'InvalidConfig',
        `FakeKernel faults[${index}].op: '${rule.op}' is not '*' nor a plan step op`,
      );
    }
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new CniError(
        'InvalidConfig',
        `FakeKernel faults[${index}].rate: ${rule.rate} is not a probability in [0, 1]`,
      );
    }
    if (rule.errno !== undefined && !Object.hasOwn(FAULT_MESSAGES, rule.errno)) {
      throw new CniError(
        'InvalidConfig',
        `FakeKernel faults[${index}].errno: '${rule.errno}' is not one of ${Object.keys(FAULT_MESSAGES).join(', ')}`,
      );
    }
  });
  return faults.map((rule) => ({ ...rule }));
}

function newNamespace(id: string): NamespaceState {
  const rules: Rule[] = [];
  for (const family of [4, 6] as const) {
    rules.push({ priority: 0, table: 'local', family });
    rules.push({ priority: 32766, table: 'main', family });
    if (family === 4) rules.push({ priority: 32767, table: 253, family });
  }
  rules.sort((a, b) => a.priority - b.priority);
  return {
    id,
    links: new Map(
      id === 'host'
        ? [['lo', { ...plainLink('lo', '00:00:00:00:00:00', 65536), kind: 'loopback' }]]
        : [],
    ),
    addresses: [],
    routes: [],
    rules,
    neighbours: [],
    sysctls: new Map(),
  };
}

function plainLink(name: string, mac: string, mtu: number): Link {
  return {
    name,
    kind: undefined,
    mac,
    mtu,
    up: false,
    parent: undefined,
    vlanId: undefined,
    alias: undefined,
    peer: undefined,
  };
}

function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) {
    throw new KernelFailure('EINVAL', `Invalid argument (mtu ${mtu})`);
  }
}

/** `address/prefix` in canonical text, host bits kept (an interface address keeps them). */
function canonicalCidr(text: string): string | null {
  const cidr = parseCidr(text);
  if (cidr !== null) return `${cidr.address}/${cidr.prefixLength}`;
  const ip = parseIpAddress(text);
  return ip === null ? null : `${ip.address}/${ip.family === 4 ? 32 : 128}`;
}

function familyOf(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}

function tableKey(table: Table): string {
  return table === 254 ? 'main' : table === 255 ? 'local' : String(table);
}

function ruleOf(step: Extract<PlanStep, { op: 'rule.add' | 'rule.del' }>): Rule {
  const from = step.from === undefined ? undefined : (canonicalCidr(step.from) ?? step.from);
  const to = step.to === undefined ? undefined : (canonicalCidr(step.to) ?? step.to);
  const family =
    step.family ?? (from !== undefined ? familyOf(from) : to !== undefined ? familyOf(to) : 4);
  const rule: Rule = { priority: step.priority, table: step.table, family };
  if (from !== undefined) rule.from = from;
  if (to !== undefined) rule.to = to;
  if (step.iif !== undefined) rule.iif = step.iif;
  if (step.fwmark !== undefined) rule.fwmark = step.fwmark;
  return rule;
}

function sameRule(a: Rule, b: Rule): boolean {
  return (
    a.priority === b.priority &&
    tableKey(a.table) === tableKey(b.table) &&
    a.family === b.family &&
    a.from === b.from &&
    a.to === b.to &&
    a.iif === b.iif &&
    a.fwmark === b.fwmark
  );
}

/** `ip rule del` semantics: the given selectors must match; the ones not given match anything. */
function ruleSelects(wanted: Rule, rule: Rule): boolean {
  return (
    wanted.priority === rule.priority &&
    tableKey(wanted.table) === tableKey(rule.table) &&
    wanted.family === rule.family &&
    (wanted.from === undefined || wanted.from === rule.from) &&
    (wanted.to === undefined || wanted.to === rule.to) &&
    (wanted.iif === undefined || wanted.iif === rule.iif) &&
    (wanted.fwmark === undefined || wanted.fwmark === rule.fwmark)
  );
}

function snapshotOf(ns: NamespaceState): NetworkSnapshot {
  const links: LinkState[] = [...ns.links.values()].map((link) => {
    const state: LinkState = { name: link.name, mac: link.mac, mtu: link.mtu, up: link.up };
    if (link.kind !== undefined) state.kind = link.kind;
    if (link.parent !== undefined) state.parent = link.parent;
    if (link.vlanId !== undefined) state.vlanId = link.vlanId;
    if (link.alias !== undefined) state.alias = link.alias;
    return state;
  });
  return {
    links,
    addresses: ns.addresses.map((a) => ({ ...a })),
    routes: ns.routes.map(({ family: _family, ...route }) => ({ ...route })),
    rules: ns.rules.map((rule) => ({ ...rule })),
    neighbours: ns.neighbours.map((n) => ({ ...n })),
  };
}

function describeStep(step: PlanStep): string {
  switch (step.op) {
    case 'link.add.veth':
      return `${step.op} ${step.name} peer ${step.peerName}`;
    case 'link.add.vlan':
      return `${step.op} ${step.name} on ${step.parent} id ${step.vlanId}`;
    case 'link.set':
    case 'link.del':
      return `${step.op} ${step.ns} ${step.name}`;
    case 'addr.add':
      return `${step.op} ${step.ns} ${step.cidr} dev ${step.dev}`;
    case 'route.replace':
    case 'route.del':
      return `${step.op} ${step.ns} ${step.dst}${step.via === undefined ? '' : ` via ${step.via}`}${step.dev === undefined ? '' : ` dev ${step.dev}`} table ${String(step.table ?? 'main')}`;
    case 'rule.add':
    case 'rule.del':
      return `${step.op} ${step.ns} priority ${step.priority} lookup ${String(step.table)}`;
    case 'neigh.replace':
      return `${step.op} ${step.ns} ${step.ip} dev ${step.dev}`;
    case 'sysctl.set':
      return `${step.op} ${step.ns} ${step.key}`;
  }
}
