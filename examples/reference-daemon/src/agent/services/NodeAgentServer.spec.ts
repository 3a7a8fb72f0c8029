import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentPodAnswer } from '@podsg/cni';
import { NodeAgentError } from '../errors/NodeAgentError.js';
import { NodeAgentServer, type NodeAgentPodSource } from './NodeAgentServer.js';

let dir: string;
let socketPath: string;
let server: NodeAgentServer | undefined;

const quietLog = { info: () => undefined, warn: () => undefined };

class StaticPods implements NodeAgentPodSource {
  synced = true;
  readonly pods = new Map<string, AgentPodAnswer>([
    ['default/web', { podUid: 'uid-web', required: false }],
  ]);
  answerFor(namespace: string, name: string): AgentPodAnswer | null {
    return this.pods.get(`${namespace}/${name}`) ?? null;
  }
}

async function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; body: unknown; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(text),
          allow: res.headers.allow,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function started(pods: NodeAgentPodSource = new StaticPods()): Promise<NodeAgentServer> {
  server = new NodeAgentServer({ socketPath, pods, log: quietLog });
  await server.start();
  return server;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-agent-'));
  socketPath = join(dir, 'run', 'agent.sock');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('NodeAgentServer protocol', () => {
  it('answers a known pod, 404 NotFound for an unknown one, and healthz', async () => {
    await started();
    expect(await get('/v1/pods/default/web')).toMatchObject({
      status: 200,
      body: { podUid: 'uid-web', required: false },
    });
    expect(await get('/v1/pods/default/ghost')).toMatchObject({
      status: 404,
      body: { reason: 'NotFound' },
    });
    expect(await get('/v1/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('decodes percent-encoded names', async () => {
    const pods = new StaticPods();
    pods.pods.set('team a/pod/1', { podUid: 'uid-odd', required: false });
    await started(pods);
    expect(await get('/v1/pods/team%20a/pod%2F1')).toMatchObject({
      status: 200,
      body: { podUid: 'uid-odd' },
    });
    expect(await get('/v1/pods/default/%E0%A4%A')).toMatchObject({
      status: 400,
      body: { reason: 'BadRequest' },
    });
  });

  it('refuses other paths and methods with a JSON reason', async () => {
    await started();
    expect(await get('/v1/pods/default')).toMatchObject({
      status: 404,
      body: { reason: 'UnknownPath' },
    });
    expect(await get('/v2/healthz')).toMatchObject({
      status: 404,
      body: { reason: 'UnknownPath' },
    });
    expect(await get('/v1/pods/default/web', 'DELETE')).toMatchObject({
      status: 405,
      body: { reason: 'MethodNotAllowed' },
      allow: 'GET',
    });
  });

  it('says 503 NotSynced, never NotFound, until the pods are known', async () => {
    const pods = new StaticPods();
    pods.synced = false;
    await started(pods);
    expect(await get('/v1/pods/default/web')).toMatchObject({
      status: 503,
      body: { reason: 'NotSynced' },
    });
    expect(await get('/v1/healthz')).toMatchObject({ status: 503, body: { ok: false } });
    pods.synced = true;
    expect((await get('/v1/pods/default/web')).status).toBe(200);
  });
});

describe('NodeAgentServer socket file', () => {
  it('creates the directory and a socket only its owner may use, and removes it on close', async () => {
    const agent = await started();
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    await agent.close();
    await expect(stat(socketPath)).rejects.toThrow();
    await agent.close(); // idempotent
  });

  it('replaces a stale socket left by a crashed agent', async () => {
    // A real crash: another process listens, then dies by SIGKILL, leaving its socket file.
    await mkdir(dirname(socketPath), { recursive: true });
    const crashed = spawn(
      process.execPath,
      [
        '-e',
        `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => crashed.stdout.once('data', resolve));
    crashed.kill('SIGKILL');
    await new Promise((resolve) => crashed.once('exit', resolve));
    expect((await stat(socketPath)).isSocket()).toBe(true);

    await started();
    expect(await get('/v1/healthz')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('refuses to take over a socket another process still serves', async () => {
    await started();
    const second = new NodeAgentServer({ socketPath, pods: new StaticPods(), log: quietLog });
    const error = await second.start().catch((e: unknown) => e);
    expect(NodeAgentError.is(error, 'SocketInUse')).toBe(true);
    expect((error as Error).message).toContain(socketPath);
    // The first agent still serves.
    expect((await get('/v1/healthz')).status).toBe(200);
  });

  it('refuses to delete a file that is not a socket', async () => {
    socketPath = join(dir, 'not-a-socket');
    await writeFile(socketPath, 'keep me');
    const agent = new NodeAgentServer({ socketPath, pods: new StaticPods(), log: quietLog });
    const error = await agent.start().catch((e: unknown) => e);
    expect(NodeAgentError.is(error, 'SocketPathTaken')).toBe(true);
    expect((await stat(socketPath)).isFile()).toBe(true);
  });
});
