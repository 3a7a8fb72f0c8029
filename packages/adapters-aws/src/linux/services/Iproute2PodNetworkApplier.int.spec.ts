import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CniError,
  diffPlanAgainstSnapshot,
  hostVethName,
  planPodNetwork,
  planPodTeardown,
} from '@podsg/cni';
import type { PodNetworkInput, RoutePlan } from '@podsg/cni';
import { Iproute2PodNetworkApplier } from './Iproute2PodNetworkApplier.js';

// Real namespaces: a throwaway "host" holding a veth that stands in for the trunk, and a pod.

function hasProgram(program: string, args: string[]): boolean {
  return spawnSync(program, args, { stdio: 'ignore' }).status === 0;
}

const why =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : !hasProgram('ip', ['-V'])
      ? 'iproute2 (ip) is not installed'
      : !hasProgram('nsenter', ['--version'])
        ? 'util-linux nsenter is not installed'
        : '';
if (why) console.warn(`skipped: ${why}`);

function ip(netns: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', netns, ...args], { encoding: 'utf8', stdio: 'pipe' });
}

function ipJson<T>(netns: string, ...args: string[]): T[] {
  return JSON.parse(ip(netns, '-j', ...args) || '[]') as T[];
}

/** Whether this kernel can make 802.1Q devices (the CI VM kernel can; this one may not). */
function kernelHasVlan(netns: string): boolean {
  try {
    ip(netns, 'link', 'add', 'link', 'trunk0', 'name', 'probe.7', 'type', 'vlan', 'id', '7');
    ip(netns, 'link', 'del', 'probe.7');
    return true;
  } catch {
    return false;
  }
}

let vlanSkipReported = false;

interface Pod {
  mode: 'strict' | 'standard';
  ipv6: boolean;
}

const VLAN_ID = 5;
const TABLE = 100 + VLAN_ID;
const VLAN_DEV = `vlan.eth.${String(VLAN_ID)}`;
const BRANCH_MAC = '02:aa:bb:cc:00:05';
const HOST_VETH_MAC = '02:11:22:33:44:55';
const POD_IP = '10.0.1.23';
const GATEWAY = '10.0.1.1';
const POD_IP6 = '2600:1f14:aaa:bb00::17';
const GATEWAY6 = 'fe80:ec2::1';

function hostVeth(mode: Pod['mode']): string {
  return hostVethName(mode, 'default', 'web-1', 'eni');
}

function podInput({ mode, ipv6 }: Pod): PodNetworkInput {
  return {
    mode,
    podNamespace: 'default',
    podName: 'web-1',
    ifName: 'eth0',
    mtu: 9001,
    vethPrefix: 'eni',
    hostVethMac: HOST_VETH_MAC,
    trunkLink: 'trunk0',
    branch: {
      vlanId: VLAN_ID,
      ifAddress: BRANCH_MAC,
      privateIp: POD_IP,
      subnetCidr: '10.0.1.0/24',
      ...(ipv6 ? { ipv6Addr: POD_IP6, subnetV6Cidr: '2600:1f14:aaa:bb00::/64' } : {}),
    },
  };
}

/** The ADD plan of `@podsg/cni`. */
function podPlan(pod: Pod): RoutePlan {
  return planPodNetwork(podInput(pod));
}

/** The teardown plan of `@podsg/cni`, built without the host veth MAC as DEL would. */
function teardownPlan(pod: Pod): RoutePlan {
  const { hostVethMac: _unused, ...input } = podInput(pod);
  return planPodTeardown(input);
}

interface JsonRule {
  priority: number;
  table: string;
  src?: string;
  dst?: string;
  iif?: string;
}

describe.skipIf(!!why)('Iproute2PodNetworkApplier in real network namespaces', () => {
  let hostNs = '';
  let podNs = '';
  let vlanSupported = false;

  beforeEach(() => {
    const suffix = randomBytes(4).toString('hex');
    hostNs = `podsg-t-${suffix}h`;
    podNs = `podsg-t-${suffix}p`;
    execFileSync('ip', ['netns', 'add', hostNs]);
    execFileSync('ip', ['netns', 'add', podNs]);
    ip(hostNs, 'link', 'add', 'trunk0', 'type', 'veth', 'peer', 'name', 'trunk0p');
    ip(hostNs, 'link', 'set', 'trunk0', 'up');
    ip(hostNs, 'link', 'set', 'lo', 'up');
    vlanSupported = kernelHasVlan(hostNs);
  });

  afterEach(() => {
    for (const netns of [hostNs, podNs]) {
      spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    }
  });

  const applier = (): Iproute2PodNetworkApplier =>
    new Iproute2PodNetworkApplier({ hostNetns: `/var/run/netns/${hostNs}` });
  const sandbox = (): { netns: string } => ({ netns: `/var/run/netns/${podNs}` });

  /** The ADD plan, minus the VLAN step when the kernel has no 802.1Q (a macvlan stands in). */
  function runnablePlan(pod: Pod): RoutePlan {
    const plan = podPlan(pod);
    if (vlanSupported) return plan;
    if (!vlanSkipReported) {
      console.warn(
        `skipped step link.add.vlan: this kernel has no 802.1Q (8021q); a macvlan ${VLAN_DEV} on the trunk stands in (the kernel VM test covers VLAN)`,
      );
      vlanSkipReported = true;
    }
    const macvlan = ['link', 'add', 'link', 'trunk0', 'name', VLAN_DEV, 'address', BRANCH_MAC];
    ip(hostNs, ...macvlan, 'type', 'macvlan', 'mode', 'bridge');
    return { steps: plan.steps.filter((step) => step.op !== 'link.add.vlan') };
  }

  const pods: Pod[] = [
    { mode: 'strict', ipv6: false },
    { mode: 'standard', ipv6: false },
    { mode: 'strict', ipv6: true },
    { mode: 'standard', ipv6: true },
  ];

  for (const pod of pods) {
    const name = `wires a ${pod.mode} ${pod.ipv6 ? 'dual-stack' : 'IPv4'} pod, reads it back, and tears it down twice`;
    it(name, async () => {
      const h = hostVeth(pod.mode);
      const plan = runnablePlan(pod);
      await applier().apply(plan, sandbox());

      // Host: the VLAN stand-in up with the branch MAC, the veth up with the planned MAC.
      const hostLinks = ipJson<{ ifname: string; address: string; flags: string[] }>(
        hostNs,
        'link',
        'show',
      );
      expect(hostLinks.find((l) => l.ifname === VLAN_DEV)).toMatchObject({ address: BRANCH_MAC });
      expect(hostLinks.find((l) => l.ifname === VLAN_DEV)?.flags).toContain('UP');
      expect(hostLinks.find((l) => l.ifname === h)).toMatchObject({ address: HOST_VETH_MAC });
      expect(hostLinks.find((l) => l.ifname === h)?.flags).toContain('UP');

      // Host routes of the branch table, and the route to the pod.
      const table = ipJson<{ dst: string; gateway?: string; dev: string }>(
        hostNs,
        'route',
        'show',
        'table',
        String(TABLE),
      );
      expect(table).toContainEqual(expect.objectContaining({ dst: GATEWAY, dev: VLAN_DEV }));
      expect(table).toContainEqual(
        expect.objectContaining({ dst: 'default', gateway: GATEWAY, dev: VLAN_DEV }),
      );
      const podRouteTable = pod.mode === 'strict' ? String(TABLE) : 'main';
      expect(ipJson(hostNs, 'route', 'show', 'table', podRouteTable)).toContainEqual(
        expect.objectContaining({ dst: POD_IP, dev: h }),
      );

      // Rules with their priorities.
      const rules = ipJson<JsonRule>(hostNs, 'rule', 'show');
      if (pod.mode === 'strict') {
        expect(rules).toContainEqual(
          expect.objectContaining({ priority: 10, iif: VLAN_DEV, table: String(TABLE) }),
        );
        expect(rules).toContainEqual(
          expect.objectContaining({ priority: 10, iif: h, table: String(TABLE) }),
        );
        // The iif rules exist per family: IPv6 ones only for a dual-stack pod.
        const rules6 = ipJson<JsonRule>(hostNs, '-6', 'rule', 'show').filter(
          (r) => r.table === String(TABLE),
        );
        expect(rules6).toEqual(
          pod.ipv6
            ? [
                expect.objectContaining({ priority: 10, iif: VLAN_DEV }),
                expect.objectContaining({ priority: 10, iif: h }),
              ]
            : [],
        );
      } else {
        expect(rules).toContainEqual(
          expect.objectContaining({ priority: 512, dst: POD_IP, table: 'main' }),
        );
        expect(rules).toContainEqual(
          expect.objectContaining({ priority: 1536, src: POD_IP, table: String(TABLE) }),
        );
      }

      // Pod: address, routes, and the permanent neighbour pointing at the host veth's MAC.
      const podAddrs = ipJson<{
        ifname: string;
        addr_info: { local: string; prefixlen: number }[];
      }>(podNs, 'addr', 'show', 'dev', 'eth0');
      expect(podAddrs[0]?.addr_info).toContainEqual(
        expect.objectContaining({ local: POD_IP, prefixlen: 32 }),
      );
      const podRoutes = ipJson<{ dst: string; gateway?: string; dev: string; scope?: string }>(
        podNs,
        'route',
        'show',
      );
      expect(podRoutes).toContainEqual(
        expect.objectContaining({ dst: '169.254.1.1', dev: 'eth0', scope: 'link' }),
      );
      expect(podRoutes).toContainEqual(
        expect.objectContaining({ dst: 'default', gateway: '169.254.1.1', dev: 'eth0' }),
      );
      const neighbours = ipJson<{ dst: string; lladdr: string; state: string[] }>(
        podNs,
        'neigh',
        'show',
        'dev',
        'eth0',
      );
      expect(neighbours).toContainEqual({
        dst: '169.254.1.1',
        lladdr: HOST_VETH_MAC,
        state: ['PERMANENT'],
      });

      if (pod.ipv6) {
        expect(podAddrs[0]?.addr_info).toContainEqual(
          expect.objectContaining({ local: POD_IP6, prefixlen: 128 }),
        );
        expect(ipJson(podNs, '-6', 'route', 'show')).toContainEqual(
          expect.objectContaining({ dst: 'default', gateway: 'fe80::1', dev: 'eth0' }),
        );
        expect(neighbours).toContainEqual({
          dst: 'fe80::1',
          lladdr: HOST_VETH_MAC,
          state: ['PERMANENT'],
        });
        expect(ipJson(hostNs, '-6', 'route', 'show', 'table', String(TABLE))).toContainEqual(
          expect.objectContaining({ dst: 'default', gateway: GATEWAY6, dev: VLAN_DEV }),
        );
      }

      // The snapshots say the same, normalised.
      const hostState = await applier().snapshot(null);
      expect(hostState.links).toContainEqual(
        expect.objectContaining({ name: VLAN_DEV, mac: BRANCH_MAC, up: true, parent: 'trunk0' }),
      );
      expect(hostState.links).toContainEqual(
        expect.objectContaining({ name: h, kind: 'veth', mac: HOST_VETH_MAC, up: true, mtu: 9001 }),
      );
      expect(hostState.routes).toContainEqual({
        table: TABLE,
        dst: `${GATEWAY}/32`,
        dev: VLAN_DEV,
        scope: 'link',
      });
      expect(hostState.routes).toContainEqual({
        table: TABLE,
        dst: 'default',
        via: GATEWAY,
        dev: VLAN_DEV,
        scope: 'universe',
      });
      expect(hostState.routes).toContainEqual({
        table: pod.mode === 'strict' ? TABLE : 'main',
        dst: `${POD_IP}/32`,
        dev: h,
        scope: 'link',
      });
      if (pod.mode === 'strict') {
        for (const family of pod.ipv6 ? ([4, 6] as const) : ([4] as const)) {
          expect(hostState.rules).toContainEqual({
            priority: 10,
            table: TABLE,
            iif: VLAN_DEV,
            family,
          });
          expect(hostState.rules).toContainEqual({ priority: 10, table: TABLE, iif: h, family });
        }
      } else {
        expect(hostState.rules).toContainEqual({
          priority: 512,
          table: 'main',
          to: `${POD_IP}/32`,
          family: 4,
        });
        expect(hostState.rules).toContainEqual({
          priority: 1536,
          table: TABLE,
          from: `${POD_IP}/32`,
          family: 4,
        });
      }
      if (pod.ipv6) {
        expect(hostState.routes).toContainEqual({
          table: TABLE,
          dst: 'default',
          via: GATEWAY6,
          dev: VLAN_DEV,
          scope: 'universe',
        });
      }
      const podState = await applier().snapshot(sandbox());
      expect(podState.links).toContainEqual(
        expect.objectContaining({ name: 'eth0', kind: 'veth', up: true, mtu: 9001 }),
      );
      expect(podState.addresses).toContainEqual({ dev: 'eth0', cidr: `${POD_IP}/32` });
      expect(podState.routes).toContainEqual({
        table: 'main',
        dst: '169.254.1.1/32',
        dev: 'eth0',
        scope: 'link',
      });
      expect(podState.routes).toContainEqual({
        table: 'main',
        dst: 'default',
        via: '169.254.1.1',
        dev: 'eth0',
        scope: 'universe',
      });
      expect(podState.neighbours).toContainEqual({
        dev: 'eth0',
        ip: '169.254.1.1',
        mac: HOST_VETH_MAC,
        permanent: true,
      });
      if (pod.ipv6) {
        expect(podState.addresses).toContainEqual({ dev: 'eth0', cidr: `${POD_IP6}/128` });
        expect(podState.routes).toContainEqual(
          expect.objectContaining({ table: 'main', dst: 'fe80::1/128', dev: 'eth0' }),
        );
        expect(podState.neighbours).toContainEqual({
          dev: 'eth0',
          ip: 'fe80::1',
          mac: HOST_VETH_MAC,
          permanent: true,
        });
      }

      // CHECK of @podsg/cni finds the live state as planned, and names what a teardown removed.
      expect(diffPlanAgainstSnapshot(plan, hostState, podState)).toEqual([]);

      // Teardown twice, then once more after the pod namespace is gone.
      await applier().apply(teardownPlan(pod), sandbox());
      const afterTeardown = await applier().snapshot(null);
      expect(diffPlanAgainstSnapshot(plan, afterTeardown, podState)).toContain(
        `host link ${VLAN_DEV} is missing`,
      );
      await applier().apply(teardownPlan(pod), sandbox());
      execFileSync('ip', ['netns', 'del', podNs]);
      expect(existsSync(sandbox().netns)).toBe(false);
      await applier().apply(teardownPlan(pod), sandbox());

      const leftLinks = ipJson<{ ifname: string }>(hostNs, 'link', 'show').map((l) => l.ifname);
      expect(leftLinks).not.toContain(VLAN_DEV);
      expect(leftLinks).not.toContain(h);
      for (const family of ['-4', '-6']) {
        const leftRules = ipJson<JsonRule>(hostNs, family, 'rule', 'show');
        expect(leftRules.filter((r) => r.table === String(TABLE))).toEqual([]);
        expect(
          leftRules.filter(
            (r) => r.src === POD_IP || r.dst === POD_IP || r.src === POD_IP6 || r.dst === POD_IP6,
          ),
        ).toEqual([]);
        expect(
          ipJson(hostNs, family, 'route', 'show', 'table', 'all').filter(
            (r) => JSON.stringify(r).includes(VLAN_DEV) || JSON.stringify(r).includes(h),
          ),
        ).toEqual([]);
      }
    });
  }

  it('accepts an address and rules that already exist, so a repeated step succeeds', async () => {
    const pod: Pod = { mode: 'standard', ipv6: true };
    const plan = runnablePlan(pod);
    await applier().apply(plan, sandbox());
    const repeatable = plan.steps.filter((step) => !step.op.startsWith('link.add'));
    await applier().apply({ steps: repeatable }, sandbox());
    const rules = ipJson<JsonRule>(hostNs, 'rule', 'show');
    expect(rules.filter((r) => r.priority === 1536)).toHaveLength(1);
  });

  it('fails a second ADD at the veth step, naming it, with ip’s message as cause', async () => {
    const pod: Pod = { mode: 'strict', ipv6: false };
    const plan = runnablePlan(pod);
    await applier().apply(plan, sandbox());
    const error = await applier()
      .apply(plan, sandbox())
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toContain('link.add.veth');
    expect((error as CniError).message).toContain(hostVeth('strict'));
    expect(String((error as CniError).cause)).toMatch(/File exists/);
  });

  it('stops at the first failing step and leaves later steps unapplied', async () => {
    const plan: RoutePlan = {
      steps: [
        { op: 'rule.add', ns: 'host', priority: 700, from: '10.9.9.9/32', table: 199 },
        { op: 'route.replace', ns: 'host', dst: '10.9.9.0/24', dev: 'missing0' },
        { op: 'rule.add', ns: 'host', priority: 701, from: '10.9.9.9/32', table: 199 },
      ],
    };
    const error = await applier()
      .apply(plan, null)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toMatch(/step 2 of 3 .*route\.replace.*missing0/);
    const priorities = ipJson<JsonRule>(hostNs, 'rule', 'show').map((r) => r.priority);
    expect(priorities).toContain(700);
    expect(priorities).not.toContain(701);
  });

  it('refuses to wire a pod whose namespace does not exist, and reports NotFound when reading it', async () => {
    const missing = { netns: `/var/run/netns/${podNs}-gone` };
    const error = await applier()
      .apply(podPlan({ mode: 'strict', ipv6: false }), missing)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toContain('does not exist');
    const read = await applier()
      .snapshot(missing)
      .catch((e: unknown) => e);
    expect(CniError.is(read, 'NotFound')).toBe(true);
  });

  it('writes a sysctl inside the pod namespace only', async () => {
    const read = (netns: string): string =>
      execFileSync('ip', ['netns', 'exec', netns, 'cat', '/proc/sys/net/ipv4/conf/all/rp_filter'], {
        encoding: 'utf8',
      }).trim();
    const hostBefore = read(hostNs);
    const wanted = read(podNs) === '2' ? '1' : '2';
    const plan: RoutePlan = {
      steps: [{ op: 'sysctl.set', ns: 'pod', key: 'net.ipv4.conf.all.rp_filter', value: wanted }],
    };
    await applier().apply(plan, sandbox());
    expect(read(podNs)).toBe(wanted);
    expect(read(hostNs)).toBe(hostBefore);
  });
});
