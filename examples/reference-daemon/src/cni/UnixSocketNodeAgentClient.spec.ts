import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniError } from '@podsg/cni';
import type { AgentPodAnswer } from '@podsg/cni';
import { NodeAgentServer } from '../agent/services/NodeAgentServer.js';
import { UnixSocketNodeAgentClient } from './UnixSocketNodeAgentClient.js';

const quietLog = { info: () => undefined, warn: () => undefined };

const branchPod: AgentPodAnswer = {
  podUid: 'uid-web',
  required: true,
  branch: {
    vlanId: 7,
    ifAddress: '0a:1b:2c:3d:4e:5f',
    privateIp: '10.0.3.7',
    subnetCidr: '10.0.0.0/20',
    eniId: 'eni-0123456789abcdef0',
  },
  trunkLink: 'eth1',
};

let dir: string;
let socketPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-agent-client-'));
  socketPath = join(dir, 'agent.sock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('UnixSocketNodeAgentClient against a NodeAgentServer', () => {
  const pods = new Map<string, AgentPodAnswer>([
    ['default/web', branchPod],
    ['default/plain', { podUid: 'uid-plain', required: false }],
    ['default/waiting', { podUid: 'uid-w', required: true, branch: null, trunkLink: 'eth1' }],
    ['team a/pod/1', { podUid: 'uid-odd', required: false }],
  ]);
  let server: NodeAgentServer;

  beforeEach(async () => {
    server = new NodeAgentServer({
      socketPath,
      log: quietLog,
      pods: { synced: true, answerFor: (ns, name) => pods.get(`${ns}/${name}`) ?? null },
    });
    await server.start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('reads each kind of answer as the agent serves it', async () => {
    const client = new UnixSocketNodeAgentClient({ socketPath });
    expect(await client.lookupPod('default', 'web')).toEqual(branchPod);
    expect(await client.lookupPod('default', 'plain')).toEqual({
      podUid: 'uid-plain',
      required: false,
    });
    expect(await client.lookupPod('default', 'waiting')).toEqual({
      podUid: 'uid-w',
      required: true,
      branch: null,
      trunkLink: 'eth1',
    });
  });

  it('returns null for a pod the agent does not know', async () => {
    const client = new UnixSocketNodeAgentClient({ socketPath });
    expect(await client.lookupPod('default', 'ghost')).toBeNull();
  });

  it('URL-encodes names so a slash or space cannot change the path', async () => {
    const client = new UnixSocketNodeAgentClient({ socketPath });
    expect(await client.lookupPod('team a', 'pod/1')).toEqual({
      podUid: 'uid-odd',
      required: false,
    });
  });

  it('reports the agent healthy', async () => {
    expect(await new UnixSocketNodeAgentClient({ socketPath }).healthy()).toBe(true);
  });
});

describe('UnixSocketNodeAgentClient when the agent is not there', () => {
  it('throws AgentUnavailable naming the socket, and healthy() is false', async () => {
    const client = new UnixSocketNodeAgentClient({ socketPath });
    const error = await client.lookupPod('default', 'web').catch((e: unknown) => e);
    expect(CniError.is(error, 'AgentUnavailable')).toBe(true);
    expect((error as CniError).message).toContain(socketPath);
    expect(await client.healthy()).toBe(false);
  });
});

describe('UnixSocketNodeAgentClient against a server breaking the protocol', () => {
  let raw: Server;

  const serve = async (listener: RequestListener): Promise<void> => {
    raw = createServer(listener);
    await new Promise<void>((resolve) => raw.listen(socketPath, resolve));
  };
  const answering =
    (status: number, body: string): RequestListener =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };

  afterEach(async () => {
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  });

  it.each([
    ['not JSON', '{"podUid":', 'not JSON'],
    ['an array', '[]', 'JSON object'],
    ['no podUid', '{"required":false}', 'podUid'],
    ['required as a string', '{"podUid":"u","required":"false"}', 'required'],
    ['no trunkLink', '{"podUid":"u","required":true,"branch":null}', 'trunkLink'],
    [
      'a trunkLink that is a path',
      '{"podUid":"u","required":true,"branch":null,"trunkLink":"../eth1"}',
      'trunkLink',
    ],
    ['no branch key', '{"podUid":"u","required":true,"trunkLink":"eth1"}', 'branch'],
    [
      'a VLAN id out of range',
      JSON.stringify({ ...branchPod, branch: { ...branchPod.branch, vlanId: 4095 } }),
      'branch.vlanId',
    ],
    [
      'a MAC that is not one',
      JSON.stringify({ ...branchPod, branch: { ...branchPod.branch, ifAddress: 'zz' } }),
      'branch.ifAddress',
    ],
    [
      'a bad IPv6 address',
      JSON.stringify({ ...branchPod, branch: { ...branchPod.branch, ipv6Addr: 'fe80:::1' } }),
      'branch.ipv6Addr',
    ],
  ])('refuses %s with InvalidAgentAnswer naming %s', async (_what, body, field) => {
    await serve(answering(200, body));
    const error = await new UnixSocketNodeAgentClient({ socketPath })
      .lookupPod('default', 'web')
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'InvalidAgentAnswer')).toBe(true);
    expect((error as CniError).message).toContain(field);
    expect((error as CniError).message).toContain('default/web');
  });

  it('refuses an unexpected status', async () => {
    await serve(answering(418, '{}'));
    const error = await new UnixSocketNodeAgentClient({ socketPath })
      .lookupPod('default', 'web')
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'InvalidAgentAnswer')).toBe(true);
    expect((error as CniError).message).toContain('418');
  });

  it('reports a 503 (agent not synced yet) as AgentUnavailable', async () => {
    await serve(answering(503, '{"reason":"NotSynced"}'));
    const error = await new UnixSocketNodeAgentClient({ socketPath })
      .lookupPod('default', 'web')
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'AgentUnavailable')).toBe(true);
  });

  it('refuses an endless answer', async () => {
    await serve((_req, res) => {
      res.writeHead(200);
      res.write(' '.repeat(100_000));
    });
    const error = await new UnixSocketNodeAgentClient({ socketPath })
      .lookupPod('default', 'web')
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'InvalidAgentAnswer')).toBe(true);
  });

  it('gives up on an agent that never answers, naming the socket', async () => {
    await serve(() => undefined);
    const client = new UnixSocketNodeAgentClient({ socketPath, timeoutMs: 200 });
    const error = await client.lookupPod('default', 'web').catch((e: unknown) => e);
    expect(CniError.is(error, 'AgentUnavailable')).toBe(true);
    expect((error as CniError).message).toContain(socketPath);
    expect(await client.healthy()).toBe(false);
  });

  it('is unhealthy when healthz says so', async () => {
    await serve(answering(200, '{"ok":false}'));
    expect(await new UnixSocketNodeAgentClient({ socketPath }).healthy()).toBe(false);
  });
});
