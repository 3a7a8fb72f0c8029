import { describe, expect, it } from 'vitest';
import { CniError } from '@podsg/cni';
import type { RoutePlan } from '@podsg/cni';
import type { CommandOutcome, CommandRunner } from '../ports/CommandRunner.js';
import { Iproute2PodNetworkApplier } from './Iproute2PodNetworkApplier.js';

interface Call {
  file: string;
  args: readonly string[];
  stdin: string;
}

/** Records every process and answers from a script (default: success). */
function recorder(answer: (call: Call, index: number) => Partial<CommandOutcome> = () => ({})): {
  calls: Call[];
  run: CommandRunner;
} {
  const calls: Call[] = [];
  const run: CommandRunner = (file, args, stdin) => {
    const call = { file, args, stdin };
    calls.push(call);
    return Promise.resolve({
      exitCode: 0,
      stdout: '',
      stderr: '',
      ...answer(call, calls.length - 1),
    });
  };
  return { calls, run };
}

// An existing path stands in for a live pod namespace; the applier only checks that it exists.
const LIVE = { netns: '/proc/self/ns/net' };
const GONE = { netns: '/var/run/netns/podsg-never-created' };

const plan: RoutePlan = {
  steps: [
    {
      op: 'link.add.veth',
      ns: 'pod',
      name: 'eth0',
      peerName: 'vlanabc',
      peerNs: 'host',
      mtu: 9001,
      peerMac: '02:11:22:33:44:55',
    },
    { op: 'link.set', ns: 'host', name: 'vlanabc', up: true },
    { op: 'link.set', ns: 'pod', name: 'eth0', up: true },
    { op: 'addr.add', ns: 'pod', dev: 'eth0', cidr: '10.0.1.23/32' },
    { op: 'rule.add', ns: 'host', priority: 10, iif: 'vlanabc', table: 105 },
    { op: 'rule.add', ns: 'host', priority: 20, iif: 'vlan.eth.5', table: 105 },
    { op: 'rule.add', ns: 'host', priority: 10, iif: 'vlanabc', table: 105, family: 6 },
  ],
};

describe('Iproute2PodNetworkApplier (processes recorded)', () => {
  it('runs the host steps first as one batch, then the pod steps as one batch through nsenter', async () => {
    const { calls, run } = recorder();
    await new Iproute2PodNetworkApplier({ runCommand: run }).apply(plan, LIVE);
    expect(calls.map((call) => [call.file, ...call.args].join(' '))).toEqual([
      'ip -batch -',
      'ip -6 -batch -',
      `nsenter --net=${LIVE.netns} -- ip -batch -`,
    ]);
    expect(calls[0]?.stdin).toBe(
      `link add name vlanabc address 02:11:22:33:44:55 mtu 9001 type veth peer name eth0 mtu 9001 netns ${LIVE.netns}\nlink set dev vlanabc up\n` +
        'rule add priority 10 iif vlanabc lookup 105\nrule add priority 20 iif vlan.eth.5 lookup 105\n',
    );
    expect(calls[1]?.stdin).toBe('rule add priority 10 iif vlanabc lookup 105\n');
    expect(calls[2]?.stdin).toBe('link set dev eth0 up\naddr add 10.0.1.23/32 dev eth0\n');
  });

  it('resumes after a line whose failure the plan allows, and only after it', async () => {
    const { calls, run } = recorder((call, index) =>
      index === 0
        ? { exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:3\n' }
        : {},
    );
    await new Iproute2PodNetworkApplier({ runCommand: run }).apply(plan, LIVE);
    expect(calls[1]?.args).toEqual(['-batch', '-']);
    expect(calls[1]?.stdin).toBe('rule add priority 20 iif vlan.eth.5 lookup 105\n');
    expect(calls).toHaveLength(4);
  });

  it('reports the first real failure as ApplyFailed naming the step, with ip’s words as cause', async () => {
    const { calls, run } = recorder((call, index) =>
      index === 2
        ? {
            exitCode: 1,
            stderr: 'Error: Invalid prefix for given prefix length.\nCommand failed -:2\n',
          }
        : {},
    );
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .apply(plan, LIVE)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toBe(
      'step 4 of 7 failed: addr.add in pod (dev eth0, cidr 10.0.1.23/32): Error: Invalid prefix for given prefix length.',
    );
    expect(((error as CniError).cause as Error).message).toContain('Invalid prefix');
    expect(calls).toHaveLength(3);
  });

  it('stops at a failing host step before touching the pod namespace', async () => {
    const { calls, run } = recorder((call, index) =>
      index === 0
        ? { exitCode: 1, stderr: 'Error: Unknown device type.\nCommand failed -:4\n' }
        : {},
    );
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .apply(plan, LIVE)
      .catch((e: unknown) => e);
    expect((error as CniError).message).toMatch(/^step 6 of 7 failed: rule\.add in host/);
    expect(calls).toHaveLength(1);
  });

  it('runs a teardown’s host and pod batches at the same time', async () => {
    const events: string[] = [];
    const run: CommandRunner = async (file) => {
      events.push(`start ${file}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`end ${file}`);
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    await new Iproute2PodNetworkApplier({ runCommand: run }).apply(
      {
        steps: [
          { op: 'rule.del', ns: 'host', priority: 10, iif: 'vlanabc', table: 105 },
          { op: 'link.del', ns: 'pod', name: 'eth0' },
          { op: 'link.del', ns: 'host', name: 'vlanabc' },
        ],
      },
      LIVE,
    );
    expect(events).toEqual(['start ip', 'start nsenter', 'end ip', 'end nsenter']);
  });

  it('validates the whole plan before running anything', async () => {
    const { calls, run } = recorder();
    const hostile: RoutePlan = {
      steps: [...plan.steps, { op: 'link.set', ns: 'host', name: 'eth0\nlink del lo', up: true }],
    };
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .apply(hostile, LIVE)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toMatch(
      /^step 8 link\.set in host .* is invalid: name "eth0\\nlink del lo"/,
    );
    expect(calls).toEqual([]);
  });

  it('refuses a CNI_NETNS that could split arguments', async () => {
    const { run } = recorder();
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .apply(plan, { netns: '/run/netns/x -force' })
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'InvalidEnvironment')).toBe(true);
  });

  it('tears down with -force in one process, skipping the pod side when its namespace is gone', async () => {
    const teardown: RoutePlan = {
      steps: [
        { op: 'link.del', ns: 'pod', name: 'eth0' },
        { op: 'link.del', ns: 'host', name: 'vlan.eth.5' },
        { op: 'rule.del', ns: 'host', priority: 1536, from: '10.0.1.23/32', table: 105 },
      ],
    };
    const { calls, run } = recorder(() => ({
      exitCode: 1,
      stderr:
        'Cannot find device "vlan.eth.5"\nCommand failed -:1\nRTNETLINK answers: No such file or directory\nCommand failed -:2\n',
    }));
    await new Iproute2PodNetworkApplier({ runCommand: run }).apply(teardown, GONE);
    expect(calls.map((call) => call.args.join(' '))).toEqual(['-force -batch -']);
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .apply(plan, GONE)
      .catch((e: unknown) => e);
    expect((error as CniError).message).toContain(
      `pod network namespace ${GONE.netns} does not exist`,
    );
  });

  it('runs host steps in hostNetns when one is given', async () => {
    const { calls, run } = recorder();
    await new Iproute2PodNetworkApplier({ runCommand: run, hostNetns: '/var/run/netns/h' }).apply(
      { steps: [{ op: 'link.del', ns: 'host', name: 'vlan.eth.5' }] },
      null,
    );
    expect(calls.map((call) => [call.file, ...call.args].join(' '))).toEqual([
      'nsenter --net=/var/run/netns/h -- ip -force -batch -',
    ]);
  });

  it('reads a snapshot from two ip processes and treats a kernel without IPv6 as having no IPv6 state', async () => {
    const { calls, run } = recorder((call) =>
      call.args.includes('-6')
        ? { exitCode: 1, stderr: 'RTNETLINK answers: Address family not supported by protocol\n' }
        : {
            stdout:
              '[{"ifname":"lo","flags":["UP"],"mtu":65536,"address":"00:00:00:00:00:00"}]\n[]\n[]\n[]\n[{"priority":0,"src":"all","table":"255"}]\n',
          },
    );
    const snapshot = await new Iproute2PodNetworkApplier({ runCommand: run }).snapshot(null);
    expect(calls).toHaveLength(2);
    expect(snapshot.links).toEqual([
      { name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: true },
    ]);
    expect(snapshot.rules).toEqual([{ priority: 0, table: 'local', family: 4 }]);
  });

  it('reports NotFound for a snapshot of a pod namespace that does not exist', async () => {
    const { calls, run } = recorder();
    const error = await new Iproute2PodNetworkApplier({ runCommand: run })
      .snapshot(GONE)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'NotFound')).toBe(true);
    expect(calls).toEqual([]);
  });
});
