// Runs the BUILT `podsg-cni` as the container runtime would: a real process, real environment and
// stdin, real network namespaces, Debian's real `ptp` and `host-local` as the delegate, and a real
// node agent on a unix socket. Every namespace it creates is throwaway and always removed.
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentPodAnswer } from '@podsg/cni';
import {
  buildReferenceDaemon,
  ip,
  namespaceSkipReason,
  netnsState,
  podEnv,
  podsgCniBin,
  podsgCniBundle,
  podsgCniUnbundled,
  runPlugin,
  withNamespaces,
  BRANCH_POD_ANSWER,
  startStubAgent,
  type StubAgent,
} from './podsg-cni.testkit.js';

const netnsWhy = namespaceSkipReason();
if (netnsWhy) console.warn(`skipped: podsg-cni namespace tests: ${netnsWhy}`);

let workDir: string;
let socketPath: string;
let agent: StubAgent | undefined;
const agentPods = new Map<string, AgentPodAnswer>();

beforeAll(async () => {
  buildReferenceDaemon();
  agent = await startStubAgent('podsg-cni-int-', agentPods);
  ({ workDir, socketPath } = agent);
}, 300_000);

afterAll(async () => {
  await agent?.close();
});

const baseConfig = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  cniVersion: '1.0.0',
  name: 'podsg-int',
  type: 'podsg-cni',
  podSGEnforcingMode: 'strict',
  agentSocket: socketPath,
  logFile: join(workDir, 'podsg-cni.log'),
  delegate: {
    type: 'ptp',
    ipMasq: false,
    ipam: { type: 'host-local', subnet: '10.22.0.0/24', dataDir: join(workDir, 'ipam') },
  },
  ...extra,
});

describe.skipIf(!!netnsWhy)('podsg-cni in network namespaces', () => {
  it('delegates a pod that needs no branch to ptp + host-local: ADD, CHECK, DEL twice', async () => {
    agentPods.set('default/plain', { podUid: 'uid-plain', required: false });
    await withNamespaces(async ({ hostNs, podNs, podNetns }) => {
      const hostBefore = netnsState(hostNs);
      const config = baseConfig();

      const add = await runPlugin(podEnv('ADD', 'plain', podNetns), JSON.stringify(config), hostNs);
      expect(add.exitCode, add.stdout + add.stderr).toBe(0);
      const ips = add.json.ips as { address: string }[];
      expect(ips[0]?.address).toMatch(/^10\.22\.0\.\d+\/24$/);
      const podIp = ips[0]!.address.split('/')[0]!;
      const podAddrs = JSON.parse(ip('-n', podNs, '-j', 'addr', 'show', 'dev', 'eth0')) as {
        addr_info: { local: string }[];
      }[];
      expect(podAddrs[0]?.addr_info.map((a) => a.local)).toContain(podIp);

      const withPrev = JSON.stringify({ ...config, prevResult: add.json });
      const check = await runPlugin(podEnv('CHECK', 'plain', podNetns), withPrev, hostNs);
      expect(check.exitCode, check.stdout + check.stderr).toBe(0);

      for (const attempt of [1, 2]) {
        const del = await runPlugin(podEnv('DEL', 'plain', podNetns), withPrev, hostNs);
        expect(del.exitCode, `DEL #${attempt}: ${del.stdout}${del.stderr}`).toBe(0);
      }
      expect(ip('-n', podNs, '-j', 'link', 'show')).not.toContain('"eth0"');
      expect(netnsState(hostNs).links).toEqual(hostBefore.links);
      // host-local gave the address back.
      const leases = await readdir(join(workDir, 'ipam', 'podsg-int')).catch(() => []);
      expect(leases.filter((name) => name.startsWith('10.'))).toEqual([]);
    });

    // Logged to logFile, one line per event with an ISO time; stdout held only the result.
    const log = await readFile(join(workDir, 'podsg-cni.log'), 'utf8');
    const lines = log.trim().split('\n');
    expect(
      lines.some((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z ADD c-plain default\/plain /.test(line)),
    ).toBe(true);
    expect(lines.some((line) => line.includes('DEL c-plain'))).toBe(true);
  });

  it('fails a branch pod cleanly at the VLAN step on a kernel without 8021q, leaving nothing behind', async () => {
    agentPods.set('default/web', BRANCH_POD_ANSWER);
    await withNamespaces(async ({ hostNs, podNs, podNetns }) => {
      // This kernel has neither dummy nor 8021q: a veth stands in for the trunk.
      ip('-n', hostNs, 'link', 'add', 'trunk0', 'type', 'veth', 'peer', 'name', 'trunk0p');
      ip('-n', hostNs, 'link', 'set', 'trunk0', 'up');
      const hostBefore = netnsState(hostNs);
      const podBefore = netnsState(podNs);

      const add = await runPlugin(
        podEnv('ADD', 'web', podNetns),
        JSON.stringify(baseConfig()),
        hostNs,
      );
      expect(add.exitCode).not.toBe(0);
      expect(add.json).toMatchObject({ code: 101 });
      expect(String(add.json.msg)).toMatch(/vlan/i);

      expect(netnsState(hostNs)).toEqual(hostBefore);
      expect(netnsState(podNs)).toEqual(podBefore);
    });
  });
});

describe('podsg-cni answers', () => {
  it('code 11 (try again later) for a branch pod not annotated yet', async () => {
    agentPods.set('default/waiting', {
      podUid: 'uid-waiting',
      required: true,
      branch: null,
      trunkLink: 'eth1',
    });
    const run = await runPlugin(
      podEnv('ADD', 'waiting', '/var/run/netns/podsg-absent'),
      JSON.stringify(baseConfig()),
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.json).toMatchObject({ cniVersion: '1.0.0', code: 11 });
  });

  it('code 7 naming the field for a bad network configuration', async () => {
    const run = await runPlugin(
      podEnv('ADD', 'plain', '/var/run/netns/podsg-absent'),
      JSON.stringify(baseConfig({ mtu: 100_000 })),
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.json).toMatchObject({ code: 7 });
    expect(String(run.json.msg)).toContain('mtu');
  });

  it('code 4 naming the variable for a bad environment', async () => {
    const env = podEnv('ADD', 'plain', '/var/run/netns/podsg-absent');
    delete env.CNI_IFNAME;
    const run = await runPlugin(env, JSON.stringify(baseConfig()));
    expect(run.exitCode).not.toBe(0);
    expect(run.json).toMatchObject({ code: 4 });
    expect(String(run.json.msg)).toContain('CNI_IFNAME');
  });

  it('VERSION lists the spec versions it speaks', async () => {
    const run = await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
    expect(run.exitCode).toBe(0);
    expect(run.json).toEqual({
      cniVersion: '1.0.0',
      supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
    });
  });

  /**
   * Runs `script` for an ADD of a pod needing no branch (so the delegate is looked up on an empty
   * CNI_PATH and nothing is wired) under a module hook, and returns every module URL it resolved.
   */
  async function modulesResolvedBy(script: string, tag: string): Promise<string[]> {
    agentPods.set('default/plain', { podUid: 'uid-plain', required: false });
    const trace = join(workDir, `modules-${tag}.txt`);
    const hooks = join(workDir, `hooks-${tag}.mjs`);
    const register = join(workDir, `register-${tag}.mjs`);
    await writeFile(trace, '');
    await writeFile(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, resolved.url + '\\n');
  return resolved;
}\n`,
    );
    await writeFile(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', register, script], {
        env: {
          PATH: process.env.PATH ?? '',
          ...podEnv('ADD', 'plain', '/var/run/netns/podsg-absent', { CNI_PATH: '/nonexistent' }),
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => {
        resolve(out);
      });
      child.stdin.end(JSON.stringify(baseConfig()));
    });
    // It got as far as the delegate: the agent was asked and the answer acted on.
    expect(JSON.parse(stdout)).toMatchObject({ code: 102 });
    return (await readFile(trace, 'utf8')).trim().split('\n');
  }

  const HEAVY = /inversify|reflect-metadata|\/yaml\/|commander|@aws-sdk|@kubernetes|@smithy/;

  it('runs as one bundled file: the bin loads the bundle and no other module of ours', async () => {
    const modules = await modulesResolvedBy(podsgCniBin, 'bundled');
    expect(modules.filter((url) => url.startsWith('file:'))).toEqual([
      pathToFileURL(podsgCniBin).href,
      pathToFileURL(podsgCniBundle).href,
    ]);
  });

  it('starts lean unbundled too: loads no DI container, YAML, CLI framework, AWS SDK or Kubernetes client', async () => {
    const modules = await modulesResolvedBy(podsgCniUnbundled, 'unbundled');
    expect(modules.some((url) => url.includes('/packages/cni/'))).toBe(true);
    expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
  });
});
