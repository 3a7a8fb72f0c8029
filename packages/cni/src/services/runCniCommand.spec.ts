import { beforeEach, describe, expect, it } from 'vitest';
import { hostVethName } from '../calculations/hostVethName.js';
import { CniError } from '../errors/CniError.js';
import type { AgentPodAnswer } from '../models/AgentPodAnswer.js';
import type { CniRunnerPorts } from '../models/CniRunnerPorts.js';
import type { DelegateOutcome, DelegatePluginRunner } from '../ports/DelegatePluginRunner.js';
import type { NodeAgentClient } from '../ports/NodeAgentClient.js';
import { InMemoryKernel } from '../testing/InMemoryKernel.js';
import { runCniCommand } from './runCniCommand.js';

/** An agent answering from a map, as the node agent does from its pod cache. */
class MapAgent implements NodeAgentClient {
  readonly pods = new Map<string, AgentPodAnswer>();
  reachable = true;
  lookupPod(namespace: string, name: string): Promise<AgentPodAnswer | null> {
    if (!this.reachable) return Promise.reject(new CniError('AgentUnavailable', 'connect ENOENT'));
    return Promise.resolve(this.pods.get(`${namespace}/${name}`) ?? null);
  }
  healthy(): Promise<boolean> {
    return Promise.resolve(this.reachable);
  }
}

/** A delegate that records its calls and answers with a fixed outcome. */
class RecordingDelegate implements DelegatePluginRunner {
  readonly calls: {
    type: string;
    env: Readonly<Record<string, string>>;
    config: Record<string, unknown>;
  }[] = [];
  outcome: DelegateOutcome = { stdout: '{"cniVersion":"1.0.0","ips":[]}', exitCode: 0 };
  run(
    type: string,
    env: Readonly<Record<string, string>>,
    stdin: string,
  ): Promise<DelegateOutcome> {
    this.calls.push({ type, env, config: JSON.parse(stdin) as Record<string, unknown> });
    return Promise.resolve(this.outcome);
  }
}

const NETNS = '/var/run/netns/cni-1';
const branch = {
  vlanId: 3,
  ifAddress: '02:1a:2b:3c:4d:5e',
  privateIp: '10.0.4.17',
  subnetCidr: '10.0.0.0/20',
};

let kernel: InMemoryKernel;
let agent: MapAgent;
let delegate: RecordingDelegate;
let randomQueue: number[][];
let ports: CniRunnerPorts;
let logLines: string[];

beforeEach(() => {
  kernel = new InMemoryKernel();
  kernel.addHostLink('eth0', '02:00:00:00:00:01');
  kernel.addHostLink('eth1', '02:00:00:00:00:02');
  kernel.addPodNamespace(NETNS);
  agent = new MapAgent();
  agent.pods.set('default/web-1', { podUid: 'uid-1', required: true, branch, trunkLink: 'eth1' });
  agent.pods.set('default/plain', { podUid: 'uid-2', required: false });
  delegate = new RecordingDelegate();
  randomQueue = [];
  logLines = [];
  ports = {
    agent,
    applier: kernel,
    delegate,
    host: {
      randomBytes: (count) =>
        new Uint8Array(randomQueue.shift() ?? new Array<number>(count).fill(0x42)),
      hostLinkMacs: () => Promise.resolve(kernel.host.links.map((l) => l.mac)),
      hostLinkExists: (name) => Promise.resolve(kernel.host.links.some((l) => l.name === name)),
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

function hostLeftovers(): string[] {
  return [
    ...kernel.host.links.map((l) => l.name).filter((n) => n !== 'eth0' && n !== 'eth1'),
    ...kernel.host.rules.map((r) => `rule ${r.priority}`),
    ...kernel.host.routes.map((r) => `route ${r.dst}`),
  ];
}

describe('runCniCommand', () => {
  it('VERSION needs no other variable and lists the supported versions', async () => {
    const outcome = await runCniCommand({ CNI_COMMAND: 'VERSION' }, '', ports);
    expect(outcome.exitCode).toBe(0);
    expect(parsed(outcome.stdout)).toEqual({
      cniVersion: '1.1.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
    expect(
      parsed(
        (await runCniCommand({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.4.0"}', ports)).stdout,
      ).cniVersion,
    ).toBe('0.4.0');
  });

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
    expect(kernel.host.links.find((l) => l.name === 'vlan.eth.3')).toMatchObject({
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
      expect(hostLeftovers()).toEqual([]);
      expect(kernel.pods.get(NETNS)?.links).toEqual([]);
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
    expect(kernel.host.links.find((l) => l.name === H)?.mtu).toBe(1500);
    expect(kernel.host.rules.map((r) => r.priority).sort()).toEqual([1536, 512]);
    const del = await runCniCommand(
      env('DEL'),
      config({ podSGEnforcingMode: 'standard', prevResult: parsed(add.stdout) }),
      ports,
    );
    expect(del.exitCode).toBe(0);
    expect(hostLeftovers()).toEqual([]);
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

  it('hands a pod that needs no branch to the delegate, with its config and the same environment', async () => {
    delegate.outcome = { stdout: '{"cniVersion":"1.0.0","code":7,"msg":"bad"}', exitCode: 1 };
    const outcome = await runCniCommand(
      env('ADD', 'plain'),
      config({ runtimeConfig: { portMappings: [] } }),
      ports,
    );
    expect(outcome).toEqual(delegate.outcome);
    expect(delegate.calls).toHaveLength(1);
    expect(delegate.calls[0]).toEqual({
      type: 'ptp',
      env: env('ADD', 'plain'),
      config: {
        type: 'ptp',
        ipam: { type: 'host-local', subnet: '10.22.0.0/16' },
        cniVersion: '1.0.0',
        name: 'podsg',
        runtimeConfig: { portMappings: [] },
      },
    });
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
    expect(hostLeftovers()).toEqual([]);
  });

  it('ADD that fails midway undoes what it did and is code 101 naming the step', async () => {
    kernel.failWhen = (step) => step.op === 'link.add.vlan';
    const outcome = await runCniCommand(env('ADD'), config(), ports);
    expect(outcome.exitCode).toBe(1);
    const error = parsed(outcome.stdout);
    expect(error.code).toBe(101);
    expect(error.msg).toMatch(/link\.add\.vlan/);
    expect(hostLeftovers()).toEqual([]);
    expect(kernel.pods.get(NETNS)?.links).toEqual([]);
  });

  it('ADD without the pod identity in CNI_ARGS is code 4', async () => {
    const outcome = await runCniCommand(
      env('ADD', 'web-1', { CNI_ARGS: 'IgnoreUnknown=1' }),
      config(),
      ports,
    );
    expect(parsed(outcome.stdout)).toMatchObject({ code: 4, details: 'CNI_ARGS' });
  });

  it('ADD refuses runtimeConfig.ips for a branch pod with code 2', async () => {
    const outcome = await runCniCommand(
      env('ADD'),
      config({ runtimeConfig: { ips: ['10.1.1.1/24'] } }),
      ports,
    );
    expect(parsed(outcome.stdout)).toMatchObject({ code: 2, details: 'runtimeConfig.ips' });
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
      expect(hostLeftovers()).toEqual([]);
      agent.reachable = true;
    }
    expect(delegate.calls).toEqual([]);
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
    kernel.host.rules = kernel.host.rules.filter((r) => r.iif !== 'vlan.eth.3');
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
    kernel.removePodNamespace(NETNS);
    const check = await runCniCommand(
      env('CHECK'),
      config({ prevResult: parsed(add.stdout) }),
      ports,
    );
    expect(parsed(check.stdout).code).toBe(105);
  });

  it('CHECK is refused before 0.4.0, GC and STATUS before 1.1.0 (code 1)', async () => {
    expect(
      parsed((await runCniCommand(env('CHECK'), config({}, '0.3.1'), ports)).stdout).code,
    ).toBe(1);
    expect(parsed((await runCniCommand(env('GC'), config({}, '1.0.0'), ports)).stdout).code).toBe(
      1,
    );
    expect(
      parsed((await runCniCommand(env('STATUS'), config({}, '0.4.0'), ports)).stdout).code,
    ).toBe(1);
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
    expect(kernel.host.links.some((l) => l.name === 'vlan.eth.3')).toBe(true);
    const drop = await runCniCommand(
      gcEnv,
      config({ 'cni.dev/valid-attachments': [] }, '1.1.0'),
      ports,
    );
    expect(drop.exitCode).toBe(0);
    expect(hostLeftovers()).toEqual([]);
    expect(delegate.calls.map((c) => c.config['cni.dev/valid-attachments'])).toEqual([
      [{ containerID: 'cid-1', ifname: 'eth0' }],
      [],
    ]);
    expect(logLines.some((l) => l.includes('GC: vlan.eth.3'))).toBe(true);
  });

  it('STATUS succeeds when the agent answers and is code 50 when it does not', async () => {
    const statusEnv = { CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' };
    expect((await runCniCommand(statusEnv, config({}, '1.1.0'), ports)).exitCode).toBe(0);
    agent.reachable = false;
    const down = await runCniCommand(statusEnv, config({}, '1.1.0'), ports);
    expect(parsed(down.stdout)).toEqual({
      cniVersion: '1.1.0',
      code: 50,
      msg: 'node agent at /run/podsg/agent.sock does not answer',
      details: '/run/podsg/agent.sock',
    });
  });

  it('prints errors as {cniVersion, code, msg, details} and never throws', async () => {
    expect(parsed((await runCniCommand(env('ADD'), '{not json', ports)).stdout)).toMatchObject({
      cniVersion: '1.1.0',
      code: 6,
    });
    expect(
      parsed((await runCniCommand(env('ADD'), config({ mtu: 1 }), ports)).stdout),
    ).toMatchObject({ cniVersion: '1.0.0', code: 7, details: 'mtu' });
    agent.reachable = false;
    expect(parsed((await runCniCommand(env('ADD'), config(), ports)).stdout)).toMatchObject({
      code: 100,
    });
    const throwing = {
      ...ports,
      applier: {
        apply: () => {
          throw new TypeError('boom');
        },
        snapshot: kernel.snapshot.bind(kernel),
      },
    };
    agent.reachable = true;
    const outcome = await runCniCommand(env('ADD'), config(), throwing);
    expect(outcome.exitCode).toBe(1);
    expect(parsed(outcome.stdout).code).toBe(101);
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
