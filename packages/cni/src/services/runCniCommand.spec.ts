import { beforeEach, describe, expect, it } from 'vitest';
import { hostVethName, runCniCommand } from '../index.js';
import type { CniRunnerPorts, NetworkSnapshot } from '../index.js';
import { FakeDelegatePluginRunner, FakeKernel, FakeNodeAgent } from '@podsg/adapters-fake';

// The CNI runner of @podsg/cni driving FakeKernel: ADD, CHECK, DEL and GC on a wired node. Its
// protocol-only cases (VERSION, STATUS, argument errors) are in runCniCommand.protocol.spec.ts.

const NETNS = '/var/run/netns/cni-1';
const branch = {
  vlanId: 3,
  ifAddress: '02:1a:2b:3c:4d:5e',
  privateIp: '10.0.4.17',
  subnetCidr: '10.0.0.0/20',
};

let kernel: FakeKernel;
/** The host as the node started: what is not in it afterwards was left by a command. */
let hostBefore: NetworkSnapshot;
let agent: FakeNodeAgent;
let delegate: FakeDelegatePluginRunner;
let randomQueue: number[][];
let ports: CniRunnerPorts;
let logLines: string[];

beforeEach(async () => {
  kernel = new FakeKernel({
    hostLinks: [
      { name: 'eth0', mac: '02:00:00:00:00:01', mtu: 9001 },
      { name: 'eth1', mac: '02:00:00:00:00:02', mtu: 9001 },
    ],
  });
  kernel.createNamespace(NETNS);
  hostBefore = await kernel.snapshot(null);
  agent = new FakeNodeAgent();
  agent.pods.set('default/web-1', { podUid: 'uid-1', required: true, branch, trunkLink: 'eth1' });
  agent.pods.set('default/plain', { podUid: 'uid-2', required: false });
  delegate = new FakeDelegatePluginRunner();
  randomQueue = [];
  logLines = [];
  ports = {
    agent,
    applier: kernel,
    delegate,
    host: {
      randomBytes: (count) =>
        new Uint8Array(randomQueue.shift() ?? new Array<number>(count).fill(0x42)),
      hostLinkMacs: async () => (await kernel.snapshot(null)).links.map((l) => l.mac),
      hostLinkExists: async (name) =>
        (await kernel.snapshot(null)).links.some((l) => l.name === name),
    },
    log: (line) => logLines.push(line),
  };
});

function env(command: string, pod = 'web-1', extra: Record<string, string | undefined> = {}) {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: 'cid-1',
    CNI_NETNS: NETNS,
    CNI_IFNAME: 'eth0',
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_UID=${pod === 'web-1' ? 'uid-1' : 'uid-2'}`,
    CNI_PATH: '/opt/cni/bin',
    ...extra,
  };
}

function config(extra: Record<string, unknown> = {}, cniVersion = '1.0.0'): string {
  return JSON.stringify({
    cniVersion,
    name: 'podsg',
    type: 'podsg-cni',
    delegate: { type: 'ptp', ipam: { type: 'host-local', subnet: '10.22.0.0/16' } },
    ...extra,
  });
}

function parsed(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Whether `item` is not among `before` (snapshot entries are plain data). */
function isNew<T>(item: T, before: readonly T[]): boolean {
  return !before.some((b) => JSON.stringify(b) === JSON.stringify(item));
}

/** Links, rules and routes of the host that it did not start with. */
async function hostLeftovers(): Promise<string[]> {
  const host = await kernel.snapshot(null);
  return [
    ...host.links.map((l) => l.name).filter((n) => !hostBefore.links.some((b) => b.name === n)),
    ...host.rules.filter((r) => isNew(r, hostBefore.rules)).map((r) => `rule ${r.priority}`),
    ...host.routes.filter((r) => isNew(r, hostBefore.routes)).map((r) => `route ${r.dst}`),
  ];
}

/** The links of the pod namespace besides the `lo` it was created with. */
async function podLinksLeft(): Promise<string[]> {
  const pod = await kernel.snapshot({ netns: NETNS });
  return pod.links.map((l) => l.name).filter((n) => n !== 'lo');
}

describe('runCniCommand on FakeKernel', () => {
  it('ADD, CHECK, DEL, DEL of a strict pod: wired, verified, removed, and removed again', async () => {
    const add = await runCniCommand(env('ADD'), config(), ports);
    expect(add.exitCode).toBe(0);
    const result = parsed(add.stdout);
    const H = hostVethName('strict', 'default', 'web-1');
    expect(result.interfaces).toEqual([
      { name: H, mac: '42:42:42:42:42:42' },
      { name: 'eth0', sandbox: NETNS },
      { name: 'vlan.eth.3', mac: '02:1a:2b:3c:4d:5e' },
    ]);
    expect((await kernel.snapshot(null)).links.find((l) => l.name === 'vlan.eth.3')).toMatchObject({
      parent: 'eth1',
      vlanId: 3,
      alias: 'podsg:cid-1:eth0',
    });

    const check = await runCniCommand(env('CHECK'), config({ prevResult: result }), ports);
    expect(check).toEqual({ stdout: '', exitCode: 0 });

    for (let i = 0; i < 2; i++) {
      expect(await runCniCommand(env('DEL'), config({ prevResult: result }), ports)).toEqual({
        stdout: '',
        exitCode: 0,
      });
      expect(await hostLeftovers()).toEqual([]);
      expect(await podLinksLeft()).toEqual([]);
    }
  });

  it('ADD of a standard pod uses the eni prefix and rules 512/1536', async () => {
    const add = await runCniCommand(
      env('ADD'),
      config({ podSGEnforcingMode: 'standard', mtu: 1500 }),
      ports,
    );
    expect(add.exitCode).toBe(0);
    const H = hostVethName('standard', 'default', 'web-1', 'eni');
    const host = await kernel.snapshot(null);
    expect(host.links.find((l) => l.name === H)?.mtu).toBe(1500);
    expect(
      host.rules
        .filter((r) => isNew(r, hostBefore.rules))
        .map((r) => r.priority)
        .sort(),
    ).toEqual([1536, 512]);
    const del = await runCniCommand(
      env('DEL'),
      config({ podSGEnforcingMode: 'standard', prevResult: parsed(add.stdout) }),
      ports,
    );
    expect(del.exitCode).toBe(0);
    expect(await hostLeftovers()).toEqual([]);
  });

  it('ADD picks a host veth MAC that no host link has', async () => {
    randomQueue = [
      [0x02, 0, 0, 0, 0, 0x01],
      [0x02, 0, 0, 0, 0, 0x02],
      [0x07, 1, 2, 3, 4, 5],
    ];
    const add = await runCniCommand(env('ADD'), config(), ports);
    expect((parsed(add.stdout).interfaces as { mac?: string }[])[0]?.mac).toBe('06:01:02:03:04:05');
  });

  it.each([
    [
      'the agent does not know the pod',
      () => agent.pods.delete('default/web-1'),
      /does not know pod default\/web-1/,
    ],
    [
      'the agent knows another incarnation',
      () =>
        agent.pods.set('default/web-1', {
          podUid: 'uid-0',
          required: true,
          branch,
          trunkLink: 'eth1',
        }),
      /K8S_POD_UID uid-1/,
    ],
    [
      'the branch is not annotated yet',
      () =>
        agent.pods.set('default/web-1', {
          podUid: 'uid-1',
          required: true,
          branch: null,
          trunkLink: 'eth1',
        }),
      /no branch interface annotated yet/,
    ],
  ])('ADD is code 11 (try again later) when %s', async (_why, arrange, message) => {
    arrange();
    const outcome = await runCniCommand(env('ADD'), config(), ports);
    expect(outcome.exitCode).toBe(1);
    expect(parsed(outcome.stdout)).toMatchObject({
      cniVersion: '1.0.0',
      code: 11,
      msg: expect.stringMatching(message) as unknown,
    });
    expect(await hostLeftovers()).toEqual([]);
  });

  it('ADD that fails midway undoes what it did and is code 101 naming the step', async () => {
    kernel.setFaults([{ op: 'link.add.vlan', rate: 1 }]);
    const outcome = await runCniCommand(env('ADD'), config(), ports);
    expect(outcome.exitCode).toBe(1);
    const error = parsed(outcome.stdout);
    expect(error.code).toBe(101);
    expect(error.msg).toMatch(/link\.add\.vlan/);
    expect(await hostLeftovers()).toEqual([]);
    expect(await podLinksLeft()).toEqual([]);
  });

  it('ADD into a pod that already has CNI_IFNAME fails and leaves that interface alone', async () => {
    // Another plugin's interface: a veth with its peer on the host.
    await kernel.apply(
      {
        steps: [
          {
            op: 'link.add.veth',
            ns: 'pod',
            name: 'eth0',
            peerName: 'other0',
            peerNs: 'host',
            mtu: 1500,
            peerMac: '02:99:99:99:99:99',
          },
        ],
      },
      { netns: NETNS },
    );
    hostBefore = await kernel.snapshot(null);
    const outcome = await runCniCommand(env('ADD'), config(), ports);
    // The spec: "If an interface of the requested name already exists in the container, the CNI
    // plugin MUST return with an error."
    expect(outcome.exitCode).toBe(1);
    expect(parsed(outcome.stdout).code).toBe(101);
    expect(await podLinksLeft()).toEqual(['eth0']);
    expect(await hostLeftovers()).toEqual([]);
    expect((await kernel.snapshot(null)).links.map((l) => l.name)).toContain('other0');
  });

  it('DEL without prevResult tears down from the agent, or from the host when the agent is gone', async () => {
    for (const agentUp of [true, false]) {
      await runCniCommand(env('ADD'), config(), ports);
      agent.reachable = agentUp;
      const del = await runCniCommand(
        env('DEL', 'web-1', { CNI_NETNS: undefined }),
        config(),
        ports,
      );
      expect(del).toEqual({ stdout: '', exitCode: 0 });
      expect(await hostLeftovers()).toEqual([]);
      agent.reachable = true;
    }
    expect(delegate.calls).toEqual([]);
  });

  it("DEL of a pod re-created under its name tears down its own VLAN, not the new incarnation's", async () => {
    await runCniCommand(env('ADD'), config(), ports);
    // The agent now knows web-1 as a new pod (another UID, another branch); the old sandbox's
    // DEL (K8S_POD_UID uid-1) must not be answered with it, so it finds its VLAN on the host.
    agent.pods.set('default/web-1', {
      podUid: 'uid-9',
      required: true,
      branch: { ...branch, vlanId: 5 },
      trunkLink: 'eth1',
    });
    const del = await runCniCommand(env('DEL', 'web-1', { CNI_NETNS: undefined }), config(), ports);
    expect(del).toEqual({ stdout: '', exitCode: 0 });
    expect(await hostLeftovers()).toEqual([]);
  });

  it('DEL of a delegated pod (or of one nothing is known about) goes to the delegate', async () => {
    const ptpResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'veth1', mac: 'aa:bb:cc:dd:ee:ff' }],
      ips: [],
    };
    await runCniCommand(env('DEL', 'plain'), config({ prevResult: ptpResult }), ports);
    expect(delegate.calls[0]?.config.prevResult).toEqual(ptpResult);
    agent.pods.clear();
    await runCniCommand(env('DEL', 'ghost'), config(), ports);
    expect(delegate.calls).toHaveLength(2);
    expect(delegate.calls[1]?.env.CNI_COMMAND).toBe('DEL');
  });

  it('CHECK names what differs with code 105', async () => {
    const add = await runCniCommand(env('ADD'), config(), ports);
    // Someone deletes the rules that send the branch's traffic to its table.
    const rules = (await kernel.snapshot(null)).rules.filter((r) => r.iif === 'vlan.eth.3');
    expect(rules).not.toEqual([]);
    await kernel.apply({ steps: rules.map((r) => ({ op: 'rule.del', ns: 'host', ...r })) }, null);
    const check = await runCniCommand(
      env('CHECK'),
      config({ prevResult: parsed(add.stdout) }),
      ports,
    );
    expect(check.exitCode).toBe(1);
    expect(parsed(check.stdout)).toMatchObject({
      code: 105,
      msg: 'pod default/web-1: host rule priority 10 iif vlan.eth.3 lookup 103 is missing',
    });
  });

  it('CHECK without the agent still checks what prevResult tells', async () => {
    const add = await runCniCommand(env('ADD'), config(), ports);
    agent.reachable = false;
    expect(
      (await runCniCommand(env('CHECK'), config({ prevResult: parsed(add.stdout) }), ports))
        .exitCode,
    ).toBe(0);
    kernel.deleteNamespace(NETNS);
    const check = await runCniCommand(
      env('CHECK'),
      config({ prevResult: parsed(add.stdout) }),
      ports,
    );
    expect(parsed(check.stdout).code).toBe(105);
  });

  it('GC removes attachments that are not valid and forwards GC to the delegate', async () => {
    await runCniCommand(env('ADD'), config(), ports);
    const gcEnv = { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' };
    const keep = await runCniCommand(
      gcEnv,
      config({ 'cni.dev/valid-attachments': [{ containerID: 'cid-1', ifname: 'eth0' }] }, '1.1.0'),
      ports,
    );
    expect(keep.exitCode).toBe(0);
    expect((await kernel.snapshot(null)).links.some((l) => l.name === 'vlan.eth.3')).toBe(true);
    const drop = await runCniCommand(
      gcEnv,
      config({ 'cni.dev/valid-attachments': [] }, '1.1.0'),
      ports,
    );
    expect(drop.exitCode).toBe(0);
    expect(await hostLeftovers()).toEqual([]);
    expect(delegate.calls.map((c) => c.config['cni.dev/valid-attachments'])).toEqual([
      [{ containerID: 'cid-1', ifname: 'eth0' }],
      [],
    ]);
    expect(logLines.some((l) => l.includes('GC: vlan.eth.3'))).toBe(true);
  });

  it('builds the ports from the parsed configuration when given a factory', async () => {
    const sockets: string[] = [];
    const outcome = await runCniCommand(
      env('ADD'),
      config({ agentSocket: '/tmp/a.sock' }),
      (cfg) => {
        sockets.push(cfg.agentSocket);
        return ports;
      },
    );
    expect([outcome.exitCode, sockets]).toEqual([0, ['/tmp/a.sock']]);
  });
});
