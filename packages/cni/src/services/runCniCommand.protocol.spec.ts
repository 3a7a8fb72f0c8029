import { beforeEach, describe, expect, it } from 'vitest';
import { runCniCommand, type CniRunnerPorts, type PodNetworkApplier } from '../index.js';
import { FakeDelegatePluginRunner, FakeNodeAgent } from '@podsg/adapters-fake';

// The protocol side of @podsg/cni's runner: versions, argument errors, delegation, STATUS. None of
// these may touch the kernel, so the applier refuses every call. ADD, CHECK, DEL and GC on a wired
// node are in runCniCommand.spec.ts beside this file, against FakeKernel.

/** An applier for paths that must not reach the kernel: every call fails the test's command. */
const refusingApplier: PodNetworkApplier = {
  apply: () => Promise.reject(new Error('no kernel in these tests: apply was called')),
  snapshot: () => Promise.reject(new Error('no kernel in these tests: snapshot was called')),
};

const NETNS = '/var/run/netns/cni-1';
const branch = {
  vlanId: 3,
  ifAddress: '02:1a:2b:3c:4d:5e',
  privateIp: '10.0.4.17',
  subnetCidr: '10.0.0.0/20',
};

let agent: FakeNodeAgent;
let delegate: FakeDelegatePluginRunner;
let ports: CniRunnerPorts;

beforeEach(() => {
  agent = new FakeNodeAgent();
  agent.pods.set('default/web-1', { podUid: 'uid-1', required: true, branch, trunkLink: 'eth1' });
  agent.pods.set('default/plain', { podUid: 'uid-2', required: false });
  delegate = new FakeDelegatePluginRunner();
  ports = {
    agent,
    applier: refusingApplier,
    delegate,
    host: {
      randomBytes: (count) => new Uint8Array(new Array<number>(count).fill(0x42)),
      hostLinkMacs: () => Promise.resolve(['02:00:00:00:00:01', '02:00:00:00:00:02']),
      hostLinkExists: (name) => Promise.resolve(name === 'eth0' || name === 'eth1'),
    },
    log: () => undefined,
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

  it('hands a pod that needs no branch to the delegate, with its config and the same environment', async () => {
    delegate.outcome = { stdout: '{"cniVersion":"1.0.0","code":7,"msg":"bad"}', exitCode: 1 };
    const outcome = await runCniCommand(
      env('ADD', 'plain'),
      config({ runtimeConfig: { portMappings: [] } }),
      ports,
    );
    expect(outcome).toEqual(delegate.outcome);
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
    // The spec: a delegated ADD that fails is run again with DEL before the failure is returned.
    expect(delegate.calls.map((call) => [call.type, call.env.CNI_COMMAND])).toEqual([
      ['ptp', 'ADD'],
      ['ptp', 'DEL'],
    ]);
    expect(delegate.calls[1]?.config).toEqual(delegate.calls[0]?.config);
  });

  it('runs a delegated ADD that succeeds once, and passes its result through', async () => {
    const outcome = await runCniCommand(env('ADD', 'plain'), config(), ports);
    expect(outcome).toEqual(delegate.outcome);
    expect(delegate.calls).toHaveLength(1);
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
    const error = parsed(outcome.stdout);
    expect(error).toMatchObject({ code: 2, details: 'runtimeConfig.ips' });
    // The spec: code 2's message contains the key and the value of the unsupported field.
    expect(error.msg).toContain('runtimeConfig.ips=["10.1.1.1/24"]');
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

  it('VERSION echoes the cniVersion given on stdin, as the spec says, even one it does not speak', async () => {
    for (const cniVersion of ['0.3.1', '0.2.0']) {
      const outcome = await runCniCommand(
        { CNI_COMMAND: 'VERSION' },
        JSON.stringify({ cniVersion }),
        ports,
      );
      expect(parsed(outcome.stdout)).toEqual({
        cniVersion,
        supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
      });
    }
  });

  it("labels an error with the configuration's own cniVersion, and always gives details", async () => {
    const outcome = await runCniCommand(env('ADD'), config({}, '0.2.0'), ports);
    expect(outcome.exitCode).toBe(1);
    const error = parsed(outcome.stdout);
    expect(Object.keys(error).sort()).toEqual(['cniVersion', 'code', 'details', 'msg']);
    expect([error.cniVersion, error.code]).toEqual(['0.2.0', 1]);
    const noDetails = parsed((await runCniCommand(env('ADD', 'unknown'), config(), ports)).stdout);
    expect(noDetails.code).toBe(11);
    expect(noDetails.details).toBe(noDetails.msg);
  });

  it('a config without cniVersion is code 1 (libcni reads it as 0.1.0)', async () => {
    const outcome = await runCniCommand(
      env('ADD'),
      JSON.stringify({ name: 'podsg', type: 'podsg-cni' }),
      ports,
    );
    expect(parsed(outcome.stdout)).toMatchObject({ cniVersion: '1.1.0', code: 1 });
  });

  it.each([153, 154, 155, 0, 4095])(
    "ADD refuses VLAN id %i (table 100+N would be the kernel's, or no VLAN id) before touching the kernel",
    async (vlanId) => {
      agent.pods.set('default/web-1', {
        podUid: 'uid-1',
        required: true,
        branch: { ...branch, vlanId },
        trunkLink: 'eth1',
      });
      const error = parsed((await runCniCommand(env('ADD'), config(), ports)).stdout);
      expect(error).toMatchObject({ code: 107, details: 'branch.vlanId' });
      expect(error.msg).toContain(`branch.vlanId ${vlanId}`);
      if (vlanId >= 153 && vlanId <= 155)
        expect(error.msg).toContain(`${100 + vlanId} is the kernel's`);
    },
  );

  it('DEL of a prevResult naming vlan.eth.153 succeeds without touching the kernel', async () => {
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'vlan0123456789a', mac: '02:42:42:42:42:42' },
        { name: 'eth0', sandbox: NETNS },
        { name: 'vlan.eth.153', mac: branch.ifAddress },
      ],
      ips: [{ address: '10.0.4.17/32', interface: 1 }],
    };
    const noDelegate = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'podsg',
      type: 'podsg-cni',
      prevResult,
    });
    const outcome = await runCniCommand(env('DEL'), noDelegate, ports);
    expect(outcome).toEqual({ stdout: '', exitCode: 0 });
  });

  it('GC without cni.dev/valid-attachments removes nothing (the applier is never called)', async () => {
    const gcEnv = { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' };
    const outcome = await runCniCommand(gcEnv, config({}, '1.1.0'), ports);
    expect(outcome).toEqual(delegate.outcome);
    expect(delegate.calls.map((call) => call.env.CNI_COMMAND)).toEqual(['GC']);
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
        snapshot: refusingApplier.snapshot.bind(refusingApplier),
      },
    };
    agent.reachable = true;
    const outcome = await runCniCommand(env('ADD'), config(), throwing);
    expect(outcome.exitCode).toBe(1);
    expect(parsed(outcome.stdout).code).toBe(101);
  });
});
