// Shared by podsg-cni.int.spec.ts and podsg-cni.bench.ts: run the BUILT plugin as a real process,
// and stand up throwaway network namespaces. Test code only; nothing in the plugin imports it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentPodAnswer } from '@podsg/cni';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The committed shim that `node_modules/.bin/podsg-cni` links to; it runs the bundle
 * `dist/podsg-cni.bundle.mjs` (or, when there is none, tsc's `dist/bin/podsg-cni.js`).
 */
export const podsgCniBin = join(repoRoot, 'examples/reference-daemon/bin/podsg-cni.js');

/**
 * The forwarding shim `npm run build` compiles when there is a C compiler (the installed
 * `podsg-cni`): it hands each call to the agent's `POST /v1/cni`, else runs `podsg-cni-node`
 * next to it, the committed bin above.
 */
export const podsgCniShim = join(repoRoot, 'examples/reference-daemon/dist/cni-shim/podsg-cni');

/** What ships as `podsg-cni`: the shim when it was built, else the Node.js bin. */
export function shippedPluginArgv(): string[] {
  return existsSync(podsgCniShim) ? [podsgCniShim] : [process.execPath, podsgCniBin];
}

/** Where Debian's `containernetworking-plugins` installs the reference plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the namespace tests cannot run here, or '' when they can. */
export function namespaceSkipReason(): string {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN';
  if (!onPath('ip') || !onPath('nsenter')) return 'iproute2 or nsenter missing';
  if (!existsSync(join(CNI_BIN_DIR, 'ptp')) || !existsSync(join(CNI_BIN_DIR, 'host-local'))) {
    return `no ptp/host-local in ${CNI_BIN_DIR} (apt-get install -y containernetworking-plugins)`;
  }
  return '';
}

/** How a process run ended. */
export interface ProcessRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document; `{}` when it is not one. */
  json: Record<string, unknown>;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
}

/**
 * Runs `argv` with exactly `env` (plus PATH) and `stdin`, inside network namespace `netns` (via
 * `ip netns exec`, which also remounts /sys for it) when one is given. Asynchronous on purpose:
 * an agent served by the calling process must keep answering while the plugin runs.
 */
export function runProcess(
  argv: readonly string[],
  env: Record<string, string>,
  stdin: string,
  netns?: string,
): Promise<ProcessRun> {
  const full = netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv];
  const [file = '', ...args] = full;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // Left empty: assertions on `json` then show what was printed instead.
      }
      resolve({ exitCode: code ?? -1, stdout, stderr, json, ms });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/** Runs the built `podsg-cni` as it ships (`shippedPluginArgv`; see `runProcess`). */
export function runPlugin(
  env: Record<string, string>,
  stdin: string,
  netns?: string,
): Promise<ProcessRun> {
  return runProcess(shippedPluginArgv(), env, stdin, netns);
}

/** `ip …`, synchronously, returning stdout. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** Everything a plugin could leave behind in a namespace, as `ip -j` reports it. */
export function netnsState(ns: string): Record<string, unknown> {
  const read = (...args: string[]): unknown => JSON.parse(ip('-n', ns, '-j', ...args) || '[]');
  return {
    links: read('link', 'show'),
    addresses: read('addr', 'show'),
    routes: read('route', 'show', 'table', 'all'),
    routes6: read('-6', 'route', 'show', 'table', 'all'),
    rules: read('rule', 'show'),
    rules6: read('-6', 'rule', 'show'),
    neighbours: read('neigh', 'show'),
  };
}

/** The two throwaway namespaces of `withNamespaces`. */
export interface ThrowawayNamespaces {
  /** Stands in for the node: the plugin runs in it. */
  hostNs: string;
  podNs: string;
  /** `CNI_NETNS` of the pod. */
  podNetns: string;
}

/** Runs `body` with a fresh node and pod namespace, both removed afterwards whatever happens. */
export async function withNamespaces<T>(
  body: (names: ThrowawayNamespaces) => Promise<T>,
): Promise<T> {
  const tag = randomBytes(3).toString('hex');
  const hostNs = `podsg-t-node-${tag}`;
  const podNs = `podsg-t-pod-${tag}`;
  try {
    ip('netns', 'add', hostNs);
    ip('netns', 'add', podNs);
    ip('-n', hostNs, 'link', 'set', 'lo', 'up');
    ip('-n', podNs, 'link', 'set', 'lo', 'up');
    return await body({ hostNs, podNs, podNetns: `/var/run/netns/${podNs}` });
  } finally {
    for (const ns of [podNs, hostNs]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Never created.
      }
    }
  }
}

/** The CNI environment of one pod operation, as containerd sets it. */
export function podEnv(
  command: string,
  pod: string,
  netns: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: `c-${pod}`,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: CNI_BIN_DIR,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_UID=uid-${pod}`,
    ...extra,
  };
}

/**
 * Builds the plugin as `npm run build` does, so the plugin run is the one that ships: `tsc -b`
 * (warning on type errors), then the one-file bundle the bin runs (`scripts/bundle-cni.js`) and
 * the forwarding shim (`scripts/build-cni-shim.js`, when there is a C compiler); a failure to
 * build either throws, as an older one would otherwise run.
 */
export function buildReferenceDaemon(): void {
  try {
    execFileSync('npx', ['tsc', '-b', 'examples/reference-daemon'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (error) {
    // tsc still emits when a project has type errors; those fail `tsc -b` in CI on their own.
    const { stdout } = error as { stdout?: Buffer };
    const output = stdout?.toString('utf8') ?? String(error);
    console.warn(`tsc -b examples/reference-daemon reported errors:\n${output}`);
  }
  for (const script of ['scripts/bundle-cni.js', 'scripts/build-cni-shim.js']) {
    execFileSync(process.execPath, [join(repoRoot, script)], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  }
}

/** The bundle `buildReferenceDaemon` writes and the bin runs. */
export const podsgCniBundle = join(repoRoot, 'examples/reference-daemon/dist/podsg-cni.bundle.mjs');

/** The unbundled tsc output of the plugin (what the bin runs when there is no bundle). */
export const podsgCniUnbundled = join(repoRoot, 'examples/reference-daemon/dist/bin/podsg-cni.js');

/** A node agent process (scripts/kernel-test/stub-agent.js) answering from a file of pods. */
export interface StubAgent {
  /** The temporary directory (also a place for IPAM data and logs); removed by `close`. */
  workDir: string;
  socketPath: string;
  /** The agent's process id (for reading its memory). */
  pid: number;
  /** Makes the agent know (or, with null, forget) pod `namespace/name` from the next question on. */
  setPod(key: string, answer: AgentPodAnswer | null): void;
  close(): Promise<void>;
}

/** Options of `startStubAgent`. */
export interface StubAgentOptions {
  /** Serve `POST /v1/cni` (the shim's calls run in the agent); false: the shim falls back. */
  cni: boolean;
  /** Run the agent in this network namespace (`ip netns exec`), the node it wires. */
  netns?: string;
  /** Share this agent's directory and pods (its own socket) instead of making new ones. */
  sharing?: StubAgent;
  /** Words run before `node` (a tracer such as the bench's `pss-at-exit <log>`). */
  wrapper?: readonly string[];
}

/** The stub agent the kernel test's VM runs too. */
const STUB_AGENT = join(repoRoot, 'scripts/kernel-test/stub-agent.js');

/**
 * Starts the stub node agent as a process: the real `NodeAgentServer` (and, with `cni`, the real
 * `NodeAgentCniRunner`) answering from a pods file in a fresh temporary directory.
 */
export async function startStubAgent(
  prefix: string,
  pods: ReadonlyMap<string, AgentPodAnswer>,
  options: StubAgentOptions,
): Promise<StubAgent> {
  const workDir = options.sharing?.workDir ?? (await mkdtemp(join(tmpdir(), prefix)));
  const tag = randomBytes(3).toString('hex');
  const socketPath = join(workDir, `agent-${tag}.sock`);
  const podsFile = join(workDir, 'pods.json');
  const known = new Map(pods);
  const write = (): void => {
    writeFileSync(podsFile, JSON.stringify(Object.fromEntries(known)));
  };
  if (options.sharing === undefined) write();
  const argv = [
    ...(options.wrapper ?? []),
    process.execPath,
    STUB_AGENT,
    socketPath,
    podsFile,
    ...(options.cni ? [] : ['--no-cni']),
  ];
  const [file = '', ...args] =
    options.netns === undefined ? argv : ['ip', 'netns', 'exec', options.netns, ...argv];
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      resolve();
    });
  });
  const deadline = Date.now() + 20_000;
  let pid: RegExpExecArray | null = null;
  while ((pid = /stub-agent: pid (\d+)/.exec(stderr)) === null) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`stub agent did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    workDir,
    socketPath,
    pid: Number(pid[1]),
    setPod: (key, answer) => {
      if (options.sharing !== undefined) {
        options.sharing.setPod(key, answer);
        return;
      }
      if (answer === null) known.delete(key);
      else known.set(key, answer);
      write();
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      if (options.sharing === undefined) await rm(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * What the stub agent answers for a pod with a branch interface: VLAN 5 on the stand-in trunk
 * `trunk0` (this kernel has no 802.1Q, so ADD stops at the VLAN step).
 */
export const BRANCH_POD_ANSWER: AgentPodAnswer = {
  podUid: 'uid-web',
  required: true,
  branch: {
    vlanId: 5,
    ifAddress: '0a:1b:2c:3d:4e:5f',
    privateIp: '10.0.5.21',
    subnetCidr: '10.0.0.0/20',
  },
  trunkLink: 'trunk0',
};
