// POST /v1/cni end to end on a real unix socket: the body the podsg-cni shim sends, the real
// NodeAgentServer and NodeAgentCniRunner, the pod question answered in-process, a FakeKernel as
// the node's network stack and a recording delegate.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDelegatePluginRunner, FakeKernel } from '@podsg/adapters-fake';
import type { AgentPodAnswer, DelegateOutcome } from '@podsg/cni';
import { NodeAgentCniRunner } from './NodeAgentCniRunner.js';
import { NodeAgentServer, type NodeAgentServerOptions } from './NodeAgentServer.js';
import { PodSourceAgentClient } from './PodSourceAgentClient.js';

const BRANCH_POD: AgentPodAnswer = {
  podUid: 'uid-web',
  required: true,
  branch: {
    vlanId: 5,
    ifAddress: '0a:1b:2c:3d:4e:5f',
    privateIp: '10.0.5.21',
    subnetCidr: '10.0.0.0/20',
  },
  trunkLink: 'eth1',
};
const pods = new Map<string, AgentPodAnswer>([
  ['default/web', BRANCH_POD],
  ['default/plain', { podUid: 'uid-plain', required: false }],
]);
const podSource = {
  synced: true,
  answerFor: (ns: string, name: string) => pods.get(`${ns}/${name}`) ?? null,
};

let dir: string;
let server: NodeAgentServer | undefined;
let kernel: FakeKernel;
let delegate: FakeDelegatePluginRunner;
const answered: string[] = [];

async function serve(withCni = true): Promise<string> {
  const socketPath = join(dir, 'agent.sock');
  const onAnswer = (ns: string, name: string): void => {
    answered.push(`${ns}/${name}`);
  };
  const options: NodeAgentServerOptions = {
    socketPath,
    pods: podSource,
    log: { info: () => undefined, warn: () => undefined },
  };
  if (withCni)
    options.cniCalls = new NodeAgentCniRunner({
      agent: new PodSourceAgentClient(podSource, onAnswer),
      applier: kernel,
      delegate,
      host: {
        hostLinkMacs: () => Promise.resolve([]),
        hostLinkExists: () => Promise.resolve(false),
        randomBytes: (n) => randomBytes(n),
      },
    });
  server = new NodeAgentServer(options);
  await server.start();
  return socketPath;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-agent-cni-'));
  kernel = new FakeKernel();
  kernel.createNamespace('/var/run/netns/pod-web');
  delegate = new FakeDelegatePluginRunner();
  answered.length = 0;
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The body the shim sends: `NAME=VALUE\0` per variable, `\0`, the stdin. */
const callBody = (env: Record<string, string>, stdin: string): Buffer =>
  Buffer.concat([
    ...Object.entries(env).map(([name, value]) => Buffer.from(`${name}=${value}\0`)),
    Buffer.from(`\0${stdin}`),
  ]);

interface Reply {
  status: number;
  exitCode: string | undefined;
  body: string;
}

/** Sends `body`; with `declared`, announces that many bytes instead and sends none. */
function post(
  socketPath: string,
  body: Buffer,
  method = 'POST',
  declared?: number,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const length = String(declared ?? body.length);
    const req = request(
      { socketPath, path: '/v1/cni', method, headers: { 'content-length': length } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const code = res.headers['podsg-cni-exit-code'];
          resolve({
            status: res.statusCode ?? 0,
            exitCode: typeof code === 'string' ? code : undefined,
            body: text,
          });
        });
      },
    );
    req.on('error', reject);
    if (declared !== undefined) req.flushHeaders();
    else req.end(method === 'POST' ? body : undefined);
  });
}

const env = (command: string, pod: string): Record<string, string> => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: `c-${pod}`,
  CNI_NETNS: `/var/run/netns/pod-${pod}`,
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_UID=uid-${pod}`,
  PATH: '/usr/sbin:/usr/bin',
});
const config = JSON.stringify({
  cniVersion: '1.0.0',
  name: 'podsg',
  type: 'podsg-cni',
  delegate: { type: 'ptp', ipam: { type: 'host-local', subnet: '10.9.0.0/24' } },
});

describe('POST /v1/cni', () => {
  it('wires a branch pod in-process: the pod question never leaves the agent', async () => {
    const socketPath = await serve();
    const reply = await post(socketPath, callBody(env('ADD', 'web'), config));
    expect(reply).toMatchObject({ status: 200, exitCode: '0' });
    const result = JSON.parse(reply.body) as { interfaces: { name: string }[] };
    expect(result.interfaces.map((link) => link.name)).toContain('vlan.eth.5');
    expect(kernel.appliedSteps().some((step) => step.step.op === 'link.add.vlan' && step.ok)).toBe(
      true,
    );
    // The tracker of confirmed releases learns about the wiring as over GET /v1/pods.
    expect(answered).toEqual(['default/web']);
  });

  it("hands a pod that needs no branch to the delegate with the call's environment", async () => {
    const socketPath = await serve();
    delegate.outcome = {
      stdout: '{"cniVersion":"1.0.0","ips":[{"address":"10.9.0.7/24"}]}',
      exitCode: 0,
    };
    const reply = await post(socketPath, callBody(env('ADD', 'plain'), config));
    expect(reply).toMatchObject({ status: 200, exitCode: '0', body: delegate.outcome.stdout });
    expect(delegate.calls).toHaveLength(1);
    expect(delegate.calls[0]?.env).toEqual(env('ADD', 'plain'));
  });

  it('answers a call carrying a variable the shim never forwards with code 4 naming it', async () => {
    const socketPath = await serve();
    const reply = await post(
      socketPath,
      callBody({ ...env('ADD', 'plain'), LD_PRELOAD: '/tmp/x.so' }, config),
    );
    expect(reply).toMatchObject({ status: 200, exitCode: '1' });
    expect(JSON.parse(reply.body)).toMatchObject({
      cniVersion: '1.0.0',
      code: 4,
      details: 'LD_PRELOAD',
    });
    expect(delegate.calls).toEqual([]);
  });

  it('runs calls concurrently: a delegate waiting for a second call is not blocked by it', async () => {
    let release: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    delegate.run = async (): Promise<DelegateOutcome> => {
      started += 1;
      if (started === 2) release();
      await second; // The first call finishes only once the second has reached its delegate.
      return { stdout: '{"cniVersion":"1.0.0"}', exitCode: 0 };
    };
    const socketPath = await serve();
    const replies = await Promise.all([
      post(socketPath, callBody(env('ADD', 'plain'), config)),
      post(socketPath, callBody(env('ADD', 'plain'), config)),
    ]);
    expect(replies.map((reply) => reply.exitCode)).toEqual(['0', '0']);
  });

  it('lets a running call answer when the agent closes (SIGTERM), so no shim runs it twice', async () => {
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    delegate.run = async (): Promise<DelegateOutcome> => {
      started();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { stdout: '{"cniVersion":"1.0.0"}', exitCode: 0 };
    };
    const socketPath = await serve();
    const reply = post(socketPath, callBody(env('ADD', 'plain'), config));
    await running;
    const closing = server?.close();
    release();
    expect(await reply).toMatchObject({
      status: 200,
      exitCode: '0',
      body: '{"cniVersion":"1.0.0"}',
    });
    await closing;
  });

  it('is an unknown path on an agent without CNI calls, so the shim runs the Node.js plugin', async () => {
    const socketPath = await serve(false);
    expect(await post(socketPath, callBody(env('VERSION', 'plain'), config))).toMatchObject({
      status: 404,
    });
  });

  it('refuses other methods (405) and a body over 1 MiB (413, the shim then falls back)', async () => {
    const socketPath = await serve();
    expect(await post(socketPath, Buffer.alloc(0), 'GET')).toMatchObject({ status: 405 });
    const big = callBody(env('ADD', 'plain'), config);
    expect(await post(socketPath, big, 'POST', 1024 * 1024 + 1)).toMatchObject({ status: 413 });
    expect(delegate.calls).toEqual([]);
  });
});
