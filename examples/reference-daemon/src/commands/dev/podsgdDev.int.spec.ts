// End-to-end: `podsgd dev` as a user runs it — the EC2 and Kubernetes emulators, the real
// controller replicas and node agents as child processes over HTTP(S) and TLS — driven with the
// real kubectl and AWS CLI, the agent socket and the installed podsg-cni.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { POD_ENI_ANNOTATION } from '@podsg/allocator';
import { UnixSocketNodeAgentClient } from '../../cni/UnixSocketNodeAgentClient.js';
import {
  ip,
  namespaceSkipReason,
  runProcess,
  withNamespaces,
} from '../../bin/podsg-cni.testkit.js';
import type { DevProcessInfo } from '../../dev/services/DevEnvironment.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const podsgd = join(repoRoot, 'examples/reference-daemon/bin/podsgd.js');
const cluster = fileURLToPath(new URL('./testdata/two-nodes.yaml', import.meta.url));
const missing = ['aws', 'kubectl'].filter(
  (tool) => spawnSync(tool, ['--help'], { encoding: 'utf8' }).error !== undefined,
);
const built = existsSync(join(repoRoot, 'examples/reference-daemon/dist/commands/dev/runDev.js'));
const why =
  missing.length > 0
    ? `not installed: ${missing.join(', ')}`
    : built
      ? ''
      : 'podsgd is not built (npm run build)';
if (why) console.warn(`skipped: podsgd dev end-to-end: ${why}`);

const LEASE = { duration: 3000, renew: 2000, retry: 500 };
const scratch = mkdtempSync(join(tmpdir(), 'podsgd-dev-e2e-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface Dev {
  child: ChildProcess;
  dir: string;
  out: string[];
  exited: Promise<number | null>;
}
let running: Dev | null = null;

async function startDev(name: string, extra: string[] = []): Promise<Dev> {
  const dir = join(scratch, name);
  const child = spawn(
    process.execPath,
    [podsgd, 'dev', '--cluster', cluster, '--state-dir', dir, ...extra],
    {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PODSG_LEASE_DURATION: `${LEASE.duration}ms`,
        PODSG_RENEW_DEADLINE: `${LEASE.renew}ms`,
        PODSG_RETRY_PERIOD: `${LEASE.retry}ms`,
        PODSG_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    out.push(...lines);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  const dev = { child, dir, out, exited };
  running = dev;
  await waitFor(
    () => (out.includes('podsgd dev: ready') ? true : undefined),
    60_000,
    () => out.join('\n'),
  );
  return dev;
}

afterEach(async () => {
  if (running === null) return;
  running.child.kill('SIGTERM');
  await running.exited;
  running = null;
});

async function waitFor<T>(
  find: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        resolve({
          status: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

function kubectl(dev: Dev, args: readonly string[], stdin?: string) {
  return run('kubectl', args, { KUBECONFIG: join(dev.dir, 'kubeconfig') }, stdin);
}

function awsEnv(dev: Dev): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(dev.dir, 'aws.env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

interface PodJson {
  metadata: { name: string; uid: string; annotations?: Record<string, string> };
  spec: {
    nodeName?: string;
    containers: { resources?: { limits?: Record<string, string> } }[];
  };
}

async function pods(dev: Dev): Promise<PodJson[]> {
  const result = await kubectl(dev, ['get', 'pods', '-n', 'default', '-o', 'json']);
  if (result.status !== 0) return [];
  return (JSON.parse(result.stdout) as { items: PodJson[] }).items;
}

function eniOf(pod: PodJson): string | undefined {
  const text = pod.metadata.annotations?.[POD_ENI_ANNOTATION];
  if (text === undefined) return undefined;
  return (JSON.parse(text) as { eniId: string }[])[0]?.eniId;
}

async function branchInterfaces(dev: Dev): Promise<string[]> {
  const result = await run(
    'aws',
    [
      'ec2',
      'describe-network-interfaces',
      '--filters',
      'Name=interface-type,Values=branch',
      '--output',
      'json',
    ],
    { ...awsEnv(dev), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  );
  expect(result.stderr).toBe('');
  return (
    JSON.parse(result.stdout) as { NetworkInterfaces: { NetworkInterfaceId: string }[] }
  ).NetworkInterfaces.map((eni) => eni.NetworkInterfaceId);
}

const policyAndServiceAccount = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: rds-db-access, namespace: default, labels: { role: backend } }
---
apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata: { name: allow-rds-access, namespace: default }
spec:
  serviceAccountSelector: { matchLabels: { role: backend } }
  securityGroups: { groupIds: [sg-0123456789abcdef0] }
`;

function podManifests(prefix: string, count: number, serviceAccount: string | null): string {
  return Array.from(
    { length: count },
    (_, index) => `---
apiVersion: v1
kind: Pod
metadata: { name: ${prefix}-${index + 1}, namespace: default }
spec:
  ${serviceAccount === null ? '' : `serviceAccountName: ${serviceAccount}`}
  containers: [{ name: app, image: busybox }]
`,
  ).join('');
}

/** Every pod annotated with its own branch, and EC2 holds exactly those branches. */
async function expectConverged(dev: Dev, count: number, timeoutMs: number): Promise<void> {
  const converged = await waitFor(
    async () => {
      const all = await pods(dev);
      const enis = all.map(eniOf);
      if (all.length !== count || enis.some((eni) => eni === undefined)) return undefined;
      const branches = await branchInterfaces(dev);
      return branches.length === count ? { enis, branches } : undefined;
    },
    timeoutMs,
    () => dev.out.join('\n'),
  );
  expect(new Set(converged.enis).size, 'duplicate interfaces').toBe(count);
  expect([...converged.branches].sort(), 'leaked interfaces').toEqual(
    [...(converged.enis as string[])].sort(),
  );
}

describe.skipIf(!!why)('podsgd dev, end to end', () => {
  it('--scenario plays the objects once ready, then the timeline in real time', async () => {
    const play = fileURLToPath(new URL('./testdata/play.yaml', import.meta.url));
    const dev = await startDev('play', ['--cluster', play, '--scenario', play, '--replicas', '1']);
    await waitFor(
      () => (dev.out.includes('podsgd dev: scenario step at 2 s played') ? true : undefined),
      20_000,
      () => dev.out.join('\n'),
    );
    const annotated = await waitFor(
      async () => {
        const all = await pods(dev);
        return all.length === 3 && all.every(eniOf) ? all : undefined;
      },
      20_000,
      () => dev.out.join('\n'),
    );
    expect(annotated.map((pod) => pod.metadata.name).sort()).toEqual(['api-1', 'api-2', 'api-3']);
    expect(dev.out).toContain('podsgd dev: scenario: 2 objects applied');
  }, 60_000);

  it('pods created with kubectl are mutated over TLS, get trunk and branch through EC2, are annotated; the agent answers podsg-cni; only the controller may set the annotation', async () => {
    const dev = await startDev('chain');
    expect(await kubectl(dev, ['apply', '-f', '-'], policyAndServiceAccount)).toMatchObject({
      status: 0,
    });
    const apply = await kubectl(
      dev,
      ['apply', '-f', '-'],
      podManifests('postgres-test', 1, 'rds-db-access') +
        podManifests('postgres-test-no-sa', 1, null),
    );
    expect(apply.stderr).toBe('');
    const branchPod = await waitFor(
      async () =>
        (await pods(dev)).find((pod) => pod.metadata.name === 'postgres-test-1' && eniOf(pod)),
      20_000,
      () => dev.out.join('\n'),
    );
    const plainPod = (await pods(dev)).find((pod) => pod.metadata.name === 'postgres-test-no-sa-1');
    // The mutating webhook (called over TLS by the API server) asked for a branch.
    expect(branchPod.spec.containers[0]?.resources?.limits?.['vpc.amazonaws.com/pod-eni']).toBe(
      '1',
    );
    expect(plainPod?.spec.containers[0]?.resources?.limits?.['vpc.amazonaws.com/pod-eni']).toBe(
      undefined,
    );
    expect(branchPod.spec.nodeName).toMatch(/^node-[ab]$/);
    const eniId = eniOf(branchPod) ?? '';
    // EC2 is eventually consistent: a new interface shows in describe calls after a moment.
    expect(
      await waitFor(async () => {
        const branches = await branchInterfaces(dev);
        return branches.length > 0 ? branches : undefined;
      }, 10_000),
    ).toEqual([eniId]);

    // The node agent of the pod's node answers what podsg-cni asks.
    const agents = JSON.parse(
      readFileSync(join(dev.dir, 'processes.json'), 'utf8'),
    ) as DevProcessInfo[];
    const agentOf = (node: string | undefined): DevProcessInfo => {
      const found = agents.find((info) => info.role === 'node-agent' && info.node === node);
      if (found === undefined) throw new Error(`no agent for ${String(node)}`);
      return found;
    };
    const branchAgent = agentOf(branchPod.spec.nodeName);
    const client = new UnixSocketNodeAgentClient({ socketPath: branchAgent.agentSocket ?? '' });
    const answer = await waitFor(async () => {
      const found = await client.lookupPod('default', 'postgres-test-1', branchPod.metadata.uid);
      return found !== null && found.required && found.branch !== null ? found : undefined;
    }, 10_000);
    expect(answer).toMatchObject({ required: true, branch: { eniId } });
    if (plainPod !== undefined) {
      const plainClient = new UnixSocketNodeAgentClient({
        socketPath: agentOf(plainPod.spec.nodeName).agentSocket ?? '',
      });
      expect(
        await waitFor(
          async () =>
            (await plainClient.lookupPod(
              'default',
              'postgres-test-no-sa-1',
              plainPod.metadata.uid,
            )) ?? undefined,
          10_000,
        ),
      ).toMatchObject({ required: false });
      await wireDelegatedPod(agentOf(plainPod.spec.nodeName), plainPod);
    }

    // Someone other than the controller cannot set or change the annotation.
    const forged = `[{"eniId":"${eniId}","ifAddress":"02:00:00:00:00:01","privateIp":"10.0.0.99","vlanId":1,"subnetCidr":"10.0.0.0/20"}]`;
    for (const pod of ['postgres-test-no-sa-1', 'postgres-test-1']) {
      const denied = await kubectl(dev, [
        'annotate',
        '--overwrite',
        'pod',
        pod,
        `${POD_ENI_ANNOTATION}=${forged}`,
      ]);
      expect(denied.status, denied.stdout).not.toBe(0);
      expect(denied.stderr).toMatch(/denied the request/);
    }
    expect(eniOf((await pods(dev)).find((p) => p.metadata.name === 'postgres-test-1')!)).toBe(
      eniId,
    );

    // Ctrl-C stops every child and exits 0.
    const children = agents.map((info) => info.pid).filter((pid): pid is number => pid !== null);
    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    running = null;
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();
  }, 90_000);

  it('kill -9 of the leader in the middle of a burst: the standby leads within the lease duration; every pod annotated, no duplicate, no leak', async () => {
    const dev = await startDev('failover');
    const holder = /^podsgd dev: (controller-\d) leads$/.exec(
      dev.out.filter((line) => line.endsWith(' leads')).pop() ?? '',
    )?.[1];
    const processes = JSON.parse(
      readFileSync(join(dev.dir, 'processes.json'), 'utf8'),
    ) as DevProcessInfo[];
    const leader = processes.find((info) => info.name === holder);
    expect(leader?.pid, dev.out.join('\n')).toBeTypeOf('number');
    await kubectl(dev, ['apply', '-f', '-'], policyAndServiceAccount);
    const count = 100;
    const apply = await kubectl(
      dev,
      ['apply', '-f', '-'],
      podManifests('burst', count, 'rds-db-access'),
    );
    expect(apply.status, apply.stderr).toBe(0);
    await waitFor(
      async () => ((await pods(dev)).filter(eniOf).length >= 3 ? true : undefined),
      20_000,
    );
    const annotatedBefore = (await pods(dev)).filter(eniOf).length;
    const killedAt = Date.now();
    process.kill(leader?.pid ?? 0, 'SIGKILL');
    const standby = processes.find(
      (info) => info.role === 'controller' && info.name !== holder,
    )?.name;
    await waitFor(
      () => (dev.out.some((line) => line === `podsgd dev: ${standby} leads`) ? true : undefined),
      LEASE.duration * 3,
      () => dev.out.join('\n'),
    );
    // When the standby acquired, by its own clock (the same machine's) in the Lease it wrote.
    const lease = await kubectl(dev, [
      'get',
      'lease',
      '-n',
      'podsg-system',
      'podsg-controller',
      '-o',
      'jsonpath={.spec.holderIdentity} {.spec.acquireTime}',
    ]);
    const [newHolder = '', acquireTime = ''] = lease.stdout.split(' ');
    expect(newHolder.startsWith(`${standby ?? '?'}_`), lease.stdout).toBe(true);
    const takeoverMs = Date.parse(acquireTime) - killedAt;
    console.log(
      `failover: ${annotatedBefore}/${count} pods annotated at kill -9; standby acquired the lease ${takeoverMs} ms later (lease ${LEASE.duration} ms, retry ${LEASE.retry} ms)`,
    );
    // The standby counts the lease duration from when it saw the killed leader's last renewal
    // (seen within one retry period of it, as client-go's elector does) and tries every retry
    // period: it leads at most duration + 2 retry periods after the kill.
    expect(takeoverMs).toBeLessThanOrEqual(LEASE.duration + 2 * LEASE.retry + 100);
    await expectConverged(dev, count, 45_000);
  }, 120_000);

  it('faults on both emulators (dropped and expired watches, 410, 409, 429, 5xx, EC2 throttling and errors): converges', async () => {
    const faults = join(scratch, 'faults.json');
    writeFileSync(
      faults,
      JSON.stringify({
        watchHistory: 30,
        ec2: [
          { action: '*', rate: 0.1, effect: 'throttle' },
          { action: '*', rate: 0.05, effect: 'error', code: 'InternalError' },
        ],
        kubernetes: [
          { fault: 'dropWatch', rate: 0.5, delayMs: 1500 },
          { fault: 'throttle', rate: 0.05, verb: 'patch' },
          { fault: 'error', rate: 0.05, status: 503, verb: 'list' },
          { fault: 'expireWatch', rate: 0.2, delayMs: 2000 },
          // 409 on lease updates: the two replicas' elections meet conflicts they did not cause.
          { fault: 'conflict', rate: 0.1, verb: 'update', resource: 'leases' },
        ],
      }),
    );
    const dev = await startDev('faults', ['--faults', faults]);
    expect(dev.out).toContain('podsgd dev: faults on: 2 EC2 rule(s), 5 Kubernetes rule(s)');
    await kubectl(dev, ['apply', '-f', '-'], policyAndServiceAccount);
    const count = 30;
    const apply = await kubectl(
      dev,
      ['apply', '-f', '-'],
      podManifests('chaos', count, 'rds-db-access'),
    );
    expect(apply.status, apply.stderr).toBe(0);
    await expectConverged(dev, count, 60_000);
  }, 120_000);
});

/**
 * Runs the podsg-cni the agent installed, as the runtime would, for a pod that needs no branch:
 * it asks the agent, which answers required:false, and delegates to the node's primary (ptp).
 * Real namespaces only as root with ptp installed; otherwise the reason is printed.
 */
async function wireDelegatedPod(agent: DevProcessInfo, pod: PodJson): Promise<void> {
  const skip = namespaceSkipReason();
  if (skip) {
    console.warn(`skipped: wiring ${pod.metadata.name} in a real namespace: ${skip}`);
    return;
  }
  const conflist = JSON.parse(
    readFileSync(join(agent.cniConfDir ?? '', '00-podsg.conflist'), 'utf8'),
  ) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
  const config = JSON.stringify({
    cniVersion: conflist.cniVersion,
    name: conflist.name,
    ...conflist.plugins[0],
  });
  await withNamespaces(async ({ hostNs, podNetns }) => {
    const env = {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: `c-${pod.metadata.uid}`,
      CNI_NETNS: podNetns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: `${agent.cniBinDir ?? ''}:/usr/lib/cni`,
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod.metadata.name};K8S_POD_UID=${pod.metadata.uid}`,
    };
    const plugin = join(agent.cniBinDir ?? '', 'podsg-cni');
    const added = await runProcess([plugin], env, config, hostNs);
    expect(added.exitCode, added.stdout + added.stderr).toBe(0);
    expect(JSON.stringify(added.json['ips'])).toMatch(/10\.244\.0\./);
    expect(ip('-n', podNetns.split('/').pop() ?? '', '-j', 'addr', 'show', 'eth0')).toMatch(
      /10\.244\.0\./,
    );
    const deleted = await runProcess([plugin], { ...env, CNI_COMMAND: 'DEL' }, config, hostNs);
    expect(deleted.exitCode, deleted.stdout + deleted.stderr).toBe(0);
  });
}
