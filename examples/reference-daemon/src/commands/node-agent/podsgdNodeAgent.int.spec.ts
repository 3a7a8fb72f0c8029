// `podsgd node-agent` as a real process on the in-process fake cluster: socket mode 0600, answers
// only the pod incarnation whose UID is given, installs podsg-cni and its conflist into the
// directories it is given, and exits 0 on SIGTERM, removing its socket.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UnixSocketNodeAgentClient } from '../../cni/UnixSocketNodeAgentClient.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const bin = join(repoRoot, 'examples/reference-daemon/bin/podsgd.js');
const build = spawnSync(
  process.execPath,
  [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'examples/reference-daemon'],
  { cwd: repoRoot, encoding: 'utf8' },
);
const bundle = existsSync(join(repoRoot, 'examples/reference-daemon/dist/podsg-cni.bundle.mjs'))
  ? null
  : spawnSync(process.execPath, [join(repoRoot, 'scripts/bundle-cni.js')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
const why = !existsSync(join(repoRoot, 'examples/reference-daemon/dist/bin/podsgd.js'))
  ? `podsgd could not be built: ${build.stdout}${build.stderr}`
  : !existsSync(join(repoRoot, 'examples/reference-daemon/dist/podsg-cni.bundle.mjs'))
    ? `podsg-cni bundle could not be built: ${bundle?.stderr ?? ''}`
    : undefined;
if (why) console.warn(`skipped: ${why}`);

const scratch = mkdtempSync(join(tmpdir(), 'podsgd-node-agent-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const scenario = `
cluster:
  name: agent-test
  vpc: { id: vpc-0a1b2c3d, cidr: 10.0.0.0/16 }
  subnets: [{ id: subnet-0a1b2c3d, cidr: 10.0.0.0/20 }]
  securityGroups: [sg-0123456789abcdef0]
  nodes:
    - { name: node-a, instanceType: c5.xlarge, subnet: subnet-0a1b2c3d }
objects:
  - apiVersion: v1
    kind: Pod
    metadata: { name: plain-1, namespace: default }
    spec: { containers: [{ name: app, image: busybox }] }
`;

async function waitFor<T>(
  find: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!!why)('podsgd node-agent (process)', () => {
  it('serves its socket 0600, checks K8S_POD_UID, installs the plugin, exits 0 on SIGTERM', async () => {
    const scenarioFile = join(scratch, 'cluster.yaml');
    writeFileSync(scenarioFile, scenario);
    const binDir = join(scratch, 'opt/cni/bin');
    const confDir = join(scratch, 'etc/cni/net.d');
    mkdirSync(binDir, { recursive: true });
    mkdirSync(confDir, { recursive: true });
    writeFileSync(
      join(confDir, '10-ptp.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'podnet',
        plugins: [{ type: 'ptp', ipam: { type: 'host-local', subnet: '10.22.0.0/16' } }],
      }),
    );
    const socketPath = join(scratch, 'run/podsg/agent.sock');
    const child = spawn(
      process.execPath,
      [
        bin,
        'node-agent',
        '--node-name',
        'node-a',
        '--fake-cloud',
        scenarioFile,
        '--agent-socket',
        socketPath,
        '--cni-bin-dir',
        binDir,
        '--cni-conf-dir',
        confDir,
        '--node-setup',
        'off',
        '--ops-port',
        '0',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    try {
      const client = new UnixSocketNodeAgentClient({ socketPath });
      await waitFor(async () => ((await client.healthy()) ? true : undefined));
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      const answer = await waitFor(() =>
        client.lookupPod('default', 'plain-1').then((found) => found ?? undefined),
      );
      expect(answer).toMatchObject({ required: false });
      expect(await client.lookupPod('default', 'plain-1', answer.podUid)).toEqual(answer);
      expect(await client.lookupPod('default', 'plain-1', 'a-recreated-pods-uid')).toBeNull();

      const conflist = await waitFor(() =>
        existsSync(join(confDir, '00-podsg.conflist'))
          ? (JSON.parse(readFileSync(join(confDir, '00-podsg.conflist'), 'utf8')) as unknown)
          : undefined,
      );
      expect(conflist).toMatchObject({
        name: 'podnet',
        plugins: [{ type: 'podsg-cni', agentSocket: socketPath, delegate: { type: 'ptp' } }],
      });
      expect(statSync(join(binDir, 'podsg-cni')).mode & 0o111).not.toBe(0);
      // The installed launcher really runs the plugin: VERSION needs no agent and no kernel.
      const version = spawnSync(join(binDir, 'podsg-cni'), [], {
        env: { CNI_COMMAND: 'VERSION' },
        input: '{"cniVersion":"1.0.0"}',
        encoding: 'utf8',
      });
      expect(JSON.parse(version.stdout)).toMatchObject({
        supportedVersions: expect.arrayContaining(['1.0.0']),
      });
      if (existsSync(join(binDir, 'podsg-cni-node'))) {
        // The installed shim hands the call to this agent (POST /v1/cni): without its Node.js
        // fallback next to it, the answer can only have come from the agent.
        rmSync(join(binDir, 'podsg-cni-node'));
        const viaAgent = spawnSync(join(binDir, 'podsg-cni'), [], {
          env: { CNI_COMMAND: 'VERSION' },
          input: JSON.stringify({ cniVersion: '1.0.0', agentSocket: socketPath }),
          encoding: 'utf8',
        });
        expect(viaAgent.status, viaAgent.stdout).toBe(0);
        expect(JSON.parse(viaAgent.stdout)).toMatchObject({ cniVersion: '1.0.0' });
      }

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(socketPath)).toBe(false);
      expect(stdout).toContain('"msg":"node agent stopped"');
      expect(stdout).toContain('"node":"node-a"');
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('rejects a missing node name with status 2, naming the flag', () => {
    const result = spawnSync(process.execPath, [bin, 'node-agent'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--node-name');
  });
});
