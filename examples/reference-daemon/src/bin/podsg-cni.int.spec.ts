// Runs the BUILT `podsg-cni` as the container runtime would: a real process, real environment and
// stdin, real network namespaces, Debian's real `ptp` and `host-local` as the delegate, and a real
// node agent on a unix socket. Each behaviour runs both ways a call can go: the shim falling back
// to the Node.js plugin (an agent without `POST /v1/cni`), and the shim handing the call to the
// agent, which runs it in the node's namespace (there, a shim with no fallback next to it, so a
// call that did not go through the agent fails). Every namespace is throwaway and always removed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
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
  podsgCniShim,
  podsgCniUnbundled,
  runPlugin,
  runProcess,
  withNamespaces,
  BRANCH_POD_ANSWER,
  startStubAgent,
  type ProcessRun,
  type StubAgent,
} from './podsg-cni.testkit.js';

const netnsWhy = namespaceSkipReason();
if (netnsWhy) console.warn(`skipped: podsg-cni namespace tests: ${netnsWhy}`);

let workDir: string;
/** Serves no `POST /v1/cni`: the shim falls back to the Node.js plugin. */
let agent: StubAgent | undefined;
/** Serves `POST /v1/cni` in the test's own namespace (for calls that wire nothing). */
let cniAgent: StubAgent | undefined;
/** The shim alone in a directory: no `podsg-cni-node` to fall back to. */
let agentOnlyShim: string;

beforeAll(async () => {
  buildReferenceDaemon();
  agent = await startStubAgent('podsg-cni-int-', new Map(), { cni: false });
  cniAgent = await startStubAgent('', new Map(), { cni: true, sharing: agent });
  ({ workDir } = agent);
  agentOnlyShim = join(workDir, 'shim-only', 'podsg-cni');
  await mkdir(join(workDir, 'shim-only'));
  if (existsSync(podsgCniShim)) await copyFile(podsgCniShim, agentOnlyShim);
}, 300_000);

afterAll(async () => {
  await cniAgent?.close();
  await agent?.close();
});

const setPod = (key: string, answer: AgentPodAnswer): void => {
  agent?.setPod(key, answer);
};

/** The two ways a call goes; `cni` when the agent runs it. */
const ROUTES = [
  { via: 'the Node.js plugin (the agent serves no /v1/cni)', cni: false },
  { via: 'the node agent (POST /v1/cni)', cni: true },
] as const;
const noShim = existsSync(podsgCniShim) ? '' : 'no shim built (no C compiler)';
if (noShim) console.warn(`skipped: podsg-cni through the node agent: ${noShim}`);

/** Where a test's calls go: the agent socket to name in the configuration, and how to run. */
interface Route {
  socketPath: string;
  logFile: string;
  run(env: Record<string, string>, stdin: string, netns?: string): Promise<ProcessRun>;
}

/**
 * Runs `body` with the route `cni` chooses; with `cni`, an agent that runs the calls in
 * `hostNs` (the node), or in the test's own namespace when none is given.
 */
async function withRoute(
  cni: boolean,
  hostNs: string | undefined,
  body: (route: Route) => Promise<void>,
): Promise<void> {
  if (!cni) {
    await body({
      socketPath: agent?.socketPath ?? '',
      logFile: join(workDir, 'podsg-cni-node.log'),
      run: runPlugin,
    });
    return;
  }
  if (agent === undefined) throw new Error('the stub agent did not start');
  const inNode =
    hostNs === undefined
      ? undefined
      : await startStubAgent('', new Map(), { cni: true, netns: hostNs, sharing: agent });
  try {
    await body({
      socketPath: (inNode ?? cniAgent)?.socketPath ?? '',
      logFile: join(workDir, 'podsg-cni-agent.log'),
      run: (env, stdin, netns) => runProcess([agentOnlyShim], env, stdin, netns),
    });
  } finally {
    await inNode?.close();
  }
}

const baseConfig = (
  route: Route,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  cniVersion: '1.0.0',
  name: 'podsg-int',
  type: 'podsg-cni',
  podSGEnforcingMode: 'strict',
  agentSocket: route.socketPath,
  logFile: route.logFile,
  delegate: {
    type: 'ptp',
    ipMasq: false,
    ipam: { type: 'host-local', subnet: '10.22.0.0/24', dataDir: join(workDir, 'ipam') },
  },
  ...extra,
});

describe.each(ROUTES)('podsg-cni through $via', ({ cni }) => {
  const skip = !!netnsWhy || (cni && !!noShim);

  it.skipIf(skip)(
    'delegates a pod that needs no branch to ptp + host-local: ADD, CHECK, DEL twice',
    async () => {
      setPod('default/plain', { podUid: 'uid-plain', required: false });
      let logFile = '';
      await withNamespaces(async ({ hostNs, podNs, podNetns }) => {
        await withRoute(cni, hostNs, async (route) => {
          logFile = route.logFile;
          const hostBefore = netnsState(hostNs);
          const config = baseConfig(route);

          const add = await route.run(
            podEnv('ADD', 'plain', podNetns),
            JSON.stringify(config),
            hostNs,
          );
          expect(add.exitCode, add.stdout + add.stderr).toBe(0);
          const ips = add.json.ips as { address: string }[];
          expect(ips[0]?.address).toMatch(/^10\.22\.0\.\d+\/24$/);
          const podIp = ips[0]!.address.split('/')[0]!;
          const podAddrs = JSON.parse(ip('-n', podNs, '-j', 'addr', 'show', 'dev', 'eth0')) as {
            addr_info: { local: string }[];
          }[];
          expect(podAddrs[0]?.addr_info.map((a) => a.local)).toContain(podIp);

          const withPrev = JSON.stringify({ ...config, prevResult: add.json });
          const check = await route.run(podEnv('CHECK', 'plain', podNetns), withPrev, hostNs);
          expect(check.exitCode, check.stdout + check.stderr).toBe(0);

          for (const attempt of [1, 2]) {
            const del = await route.run(podEnv('DEL', 'plain', podNetns), withPrev, hostNs);
            expect(del.exitCode, `DEL #${attempt}: ${del.stdout}${del.stderr}`).toBe(0);
          }
          expect(ip('-n', podNs, '-j', 'link', 'show')).not.toContain('"eth0"');
          expect(netnsState(hostNs).links).toEqual(hostBefore.links);
          // host-local gave the address back.
          const leases = await readdir(join(workDir, 'ipam', 'podsg-int')).catch(() => []);
          expect(leases.filter((name) => name.startsWith('10.'))).toEqual([]);
        });
      });

      // Logged to logFile, one line per event with an ISO time; stdout held only the result.
      const log = await readFile(logFile, 'utf8');
      const lines = log.trim().split('\n');
      expect(
        lines.some((line) => /^\d{4}-\d\d-\d\dT[\d:.]+Z ADD c-plain default\/plain /.test(line)),
      ).toBe(true);
      expect(lines.some((line) => line.includes('DEL c-plain'))).toBe(true);
    },
  );

  it.skipIf(skip)(
    'fails a branch pod cleanly at the VLAN step on a kernel without 8021q, leaving nothing behind',
    async () => {
      setPod('default/web', BRANCH_POD_ANSWER);
      await withNamespaces(async ({ hostNs, podNs, podNetns }) => {
        await withRoute(cni, hostNs, async (route) => {
          // This kernel has neither dummy nor 8021q: a veth stands in for the trunk.
          ip('-n', hostNs, 'link', 'add', 'trunk0', 'type', 'veth', 'peer', 'name', 'trunk0p');
          ip('-n', hostNs, 'link', 'set', 'trunk0', 'up');
          const hostBefore = netnsState(hostNs);
          const podBefore = netnsState(podNs);

          const add = await route.run(
            podEnv('ADD', 'web', podNetns),
            JSON.stringify(baseConfig(route)),
            hostNs,
          );
          expect(add.exitCode).not.toBe(0);
          expect(add.json).toMatchObject({ code: 101 });
          expect(String(add.json.msg)).toMatch(/vlan/i);

          expect(netnsState(hostNs)).toEqual(hostBefore);
          expect(netnsState(podNs)).toEqual(podBefore);
        });
      });
    },
  );

  it.skipIf(cni && !!noShim)(
    'answers code 11 (try again later) for a branch pod not annotated yet',
    async () => {
      setPod('default/waiting', {
        podUid: 'uid-waiting',
        required: true,
        branch: null,
        trunkLink: 'eth1',
      });
      await withRoute(cni, undefined, async (route) => {
        const run = await route.run(
          podEnv('ADD', 'waiting', '/var/run/netns/podsg-absent'),
          JSON.stringify(baseConfig(route)),
        );
        expect(run.exitCode).not.toBe(0);
        expect(run.json).toMatchObject({ cniVersion: '1.0.0', code: 11 });
      });
    },
  );

  it.skipIf(cni && !!noShim)(
    'answers code 7 naming the field for a bad network configuration',
    async () => {
      await withRoute(cni, undefined, async (route) => {
        const run = await route.run(
          podEnv('ADD', 'plain', '/var/run/netns/podsg-absent'),
          JSON.stringify(baseConfig(route, { mtu: 100_000 })),
        );
        expect(run.exitCode).not.toBe(0);
        expect(run.json).toMatchObject({ code: 7 });
        expect(String(run.json.msg)).toContain('mtu');
      });
    },
  );

  it.skipIf(cni && !!noShim)(
    'answers code 4 naming the variable for a bad environment',
    async () => {
      await withRoute(cni, undefined, async (route) => {
        const env = podEnv('ADD', 'plain', '/var/run/netns/podsg-absent');
        delete env.CNI_IFNAME;
        const run = await route.run(env, JSON.stringify(baseConfig(route)));
        expect(run.exitCode).not.toBe(0);
        expect(run.json).toMatchObject({ code: 4 });
        expect(String(run.json.msg)).toContain('CNI_IFNAME');
      });
    },
  );

  it.skipIf(cni && !!noShim)('lists the spec versions it speaks for VERSION', async () => {
    await withRoute(cni, undefined, async (route) => {
      const run = await route.run(
        { CNI_COMMAND: 'VERSION' },
        JSON.stringify({ cniVersion: '1.0.0', agentSocket: route.socketPath }),
      );
      expect(run.exitCode).toBe(0);
      expect(run.json).toEqual({
        cniVersion: '1.0.0',
        supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
      });
    });
  });
});

describe('podsg-cni, the Node.js plugin', () => {
  /**
   * Runs `script` for an ADD of a pod needing no branch (so the delegate is looked up on an empty
   * CNI_PATH and nothing is wired) under a module hook, and returns every module URL it resolved.
   */
  async function modulesResolvedBy(script: string, tag: string): Promise<string[]> {
    setPod('default/plain', { podUid: 'uid-plain', required: false });
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
      const route = { socketPath: agent?.socketPath ?? '', logFile: join(workDir, 'trace.log') };
      child.stdin.end(JSON.stringify(baseConfig({ ...route, run: runPlugin })));
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
