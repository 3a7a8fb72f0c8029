import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubernetesHttpClient, loadKubeConfig } from '@podsg/adapters-aws';
import { startEmulators, type Emulators } from '@podsg/adapters-fake';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { generateWebhookCertificate } from '../../controller/webhooks/generateWebhookCertificate.js';
import { readScenarioFile } from '../../simulate/io/readScenarioFile.js';
import type { Scenario } from '../../simulate/models/Scenario.js';
import { devPrimaryConflist } from '../calculations/devPrimaryConflist.js';
import { devWebhookConfiguration } from '../calculations/devWebhookConfiguration.js';
import { readDevFaults, type DevFaults } from '../io/readDevFaults.js';
import { DaemonProcess, type DaemonLogLine } from './DaemonProcess.js';
import { KubernetesObjectWriter, WRITABLE_KINDS } from './KubernetesObjectWriter.js';
import { TcpFailoverProxy } from './TcpFailoverProxy.js';

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const PODSGD = join(packageRoot, 'bin/podsgd.js');
const DEPLOY_PARTS = [
  '00-namespace.yaml',
  '10-crd-securitygrouppolicy.yaml',
  '11-crd-cninode.yaml',
  '20-rbac.yaml',
  '40-webhooks.yaml',
];
/** The default cluster of `podsgd dev`: the quickstart scenario's. */
export const DEFAULT_DEV_CLUSTER = fileURLToPath(
  new URL('../../../../scenarios/quickstart.yaml', import.meta.url),
);
const NAMESPACE = 'podsg-system';
const CONTROLLER_USER = `system:serviceaccount:${NAMESPACE}:podsg-controller`;
const NODE_AGENT_USER = `system:serviceaccount:${NAMESPACE}:podsg-node-agent`;
/** The ordinary user of `DIR/kubeconfig`: may do anything but what only the controller may. */
export const DEV_USER = 'developer';
const HOST = '127.0.0.1';

/** Options of `DevEnvironment.start`. */
export interface DevEnvironmentOptions {
  /** A scenario file whose `cluster` (and `ec2`: latency, throttling, faults, visibility delay) is emulated. */
  clusterFile: string;
  /** Where everything is written (created; podsgd dev's own files in it are replaced). */
  stateDir: string;
  /** A scenario whose objects and timeline are played in real time once ready. */
  scenarioFile?: string;
  /** Controller replicas; default 2. */
  replicas?: number;
  ec2Port?: number;
  kubernetesPort?: number;
  /** The environment the children inherit (PODSG_* tuning passes through). */
  env: Readonly<Record<string, string | undefined>>;
  /** Progress and problems, one line each. */
  say: (line: string) => void;
  /**
   * A JSON file of wire faults switched on once the manifests are applied:
   * `{ "ec2": Ec2ServerFaultRule[], "kubernetes": KubernetesFaultRule[], "watchHistory": n }`
   * (a short watch history makes resumed watches meet 410 Gone).
   */
  faultsFile?: string;
  /** Longest wait for readiness; default 60 s. */
  readyTimeoutMs?: number;
}

/** A running child as `DIR/processes.json` lists it. */
export interface DevProcessInfo {
  name: string;
  role: 'controller' | 'node-agent';
  pid: number | null;
  opsPort: number;
  webhookPort?: number;
  node?: string;
  agentSocket?: string;
  cniBinDir?: string;
  cniConfDir?: string;
}

/**
 * `podsgd dev`: the EC2 and Kubernetes emulators on loopback, podsg's CRDs and webhook
 * configurations from `deploy/` applied through the API, and the real controller replicas and
 * one node agent per node as child processes on the production code paths, talking HTTP(S) to
 * the emulators. Everything it writes is under the state directory.
 */
export class DevEnvironment {
  readonly cloud: Emulators;
  readonly stateDir: string;
  readonly #options: DevEnvironmentOptions;
  readonly #scenario: Scenario | null;
  readonly #clusterName: string;
  readonly #faults: DevFaults | null;
  readonly #transport: KubernetesHttpClient;
  readonly #writer: KubernetesObjectWriter;
  readonly #controllers: DaemonProcess[] = [];
  readonly #agents: DaemonProcess[] = [];
  readonly #info = new Map<DaemonProcess, DevProcessInfo>();
  #proxy: TcpFailoverProxy | null = null;
  #leader: string | null = null;
  #stopped = false;
  #timers: NodeJS.Timeout[] = [];

  private constructor(
    options: DevEnvironmentOptions,
    cloud: Emulators,
    scenario: Scenario | null,
    clusterName: string,
    faults: DevFaults | null,
  ) {
    this.#faults = faults;
    this.#options = options;
    this.#clusterName = clusterName;
    this.stateDir = options.stateDir;
    this.cloud = cloud;
    this.#scenario = scenario;
    this.#transport = new KubernetesHttpClient(
      loadKubeConfig({ yaml: cloud.kubernetes.kubeconfig('admin') }),
      { userAgent: 'podsgd-dev' },
    );
    this.#writer = new KubernetesObjectWriter(this.#transport);
  }

  /** Starts everything and resolves once the controller leads and every node agent is ready. */
  static async start(options: DevEnvironmentOptions): Promise<DevEnvironment> {
    const clusterScenario = await readScenarioFile(options.clusterFile, options.clusterFile, {
      flag: '--cluster',
    });
    const scenario =
      options.scenarioFile === undefined
        ? null
        : await readScenarioFile(options.scenarioFile, options.scenarioFile, {
            flag: '--scenario',
          });
    const dir = options.stateDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const sub of ['tls', 'nodes', 'logs']) {
      await rm(join(dir, sub), { recursive: true, force: true });
      await mkdir(join(dir, sub), { mode: 0o700 });
    }
    const faults =
      options.faultsFile === undefined ? null : await readDevFaults(options.faultsFile);
    const cloud = await startEmulators({
      ...(faults?.watchHistory === undefined ? {} : { watchHistory: faults.watchHistory }),
      cluster: clusterScenario.cluster,
      ec2Port: options.ec2Port ?? 0,
      kubernetesPort: options.kubernetesPort ?? 0,
      host: HOST,
      clusterModel: { controllerUsername: CONTROLLER_USER },
      ec2Model: {
        ...(clusterScenario.ec2.latencyMs === null
          ? {}
          : { latencyMs: clusterScenario.ec2.latencyMs }),
        throttle: clusterScenario.ec2.throttle,
        faults: clusterScenario.ec2.faults,
        visibilityDelayMs: clusterScenario.ec2.visibilityDelayMs,
      },
    });
    const dev = new DevEnvironment(options, cloud, scenario, clusterScenario.cluster.name, faults);
    try {
      await dev.#setUp();
    } catch (error) {
      await dev.stop();
      throw error;
    }
    return dev;
  }

  /** The controller replica that leads (its name), or null. */
  get leader(): string | null {
    return this.#leader;
  }

  /** What runs, as written to `DIR/processes.json`. */
  processes(): DevProcessInfo[] {
    return [...this.#info.entries()].map(([child, info]) => ({ ...info, pid: child.pid }));
  }

  async #setUp(): Promise<void> {
    const dir = this.stateDir;
    const { cloud } = this;
    const replicas = this.#options.replicas ?? 2;
    const certificate = await generateWebhookCertificate([HOST, 'localhost']);
    const tls = {
      cert: join(dir, 'tls/tls.crt'),
      key: join(dir, 'tls/tls.key'),
    };
    await writeFile(tls.cert, certificate.cert, { mode: 0o600 });
    await writeFile(tls.key, certificate.key, { mode: 0o600 });
    await writeFile(join(dir, 'tls/ca.crt'), certificate.caCert, { mode: 0o600 });
    const webhookPorts = await Promise.all(Array.from({ length: replicas }, () => freePort()));
    this.#proxy = await TcpFailoverProxy.start(HOST, 0, webhookPorts);
    await this.#applyDeployParts(`https://${HOST}:${this.#proxy.port}`, certificate.caCert);
    if (this.#faults !== null) this.#switchOnFaults(this.#faults);

    const files = {
      kubeconfig: join(dir, 'kubeconfig'),
      controller: join(dir, 'controller.kubeconfig'),
      agent: join(dir, 'node-agent.kubeconfig'),
      awsEnv: join(dir, 'aws.env'),
    };
    await writeFile(files.kubeconfig, cloud.kubernetes.kubeconfig(DEV_USER), { mode: 0o600 });
    await writeFile(files.controller, cloud.kubernetes.kubeconfig(CONTROLLER_USER), {
      mode: 0o600,
    });
    await writeFile(files.agent, cloud.kubernetes.kubeconfig(NODE_AGENT_USER), { mode: 0o600 });
    const aws = {
      AWS_ENDPOINT_URL_EC2: cloud.ec2.url,
      AWS_REGION: cloud.ec2.region,
      AWS_DEFAULT_REGION: cloud.ec2.region,
      AWS_ACCESS_KEY_ID: cloud.ec2.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cloud.ec2.credentials.secretAccessKey,
    };
    await writeFile(
      files.awsEnv,
      Object.entries(aws)
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
      { mode: 0o600 },
    );

    const env = childEnvironment(this.#options.env, aws);
    const clusterName = this.#clusterName;
    for (let index = 0; index < replicas; index++) {
      const name = `controller-${index}`;
      const opsPort = await freePort();
      const webhookPort = webhookPorts[index] ?? 0;
      this.#spawn(
        { name, role: 'controller', pid: null, opsPort, webhookPort },
        [
          'controller',
          '--cluster-name',
          clusterName,
          '--region',
          cloud.ec2.region,
          '--ec2-endpoint',
          cloud.ec2.url,
          '--kubeconfig',
          files.controller,
          '--controller-username',
          CONTROLLER_USER,
          '--namespace',
          NAMESPACE,
          '--identity',
          name,
          '--webhook-host',
          HOST,
          '--webhook-port',
          String(webhookPort),
          '--tls-cert-file',
          tls.cert,
          '--tls-key-file',
          tls.key,
          '--ops-host',
          HOST,
          '--ops-port',
          String(opsPort),
        ],
        env,
        this.#controllers,
      );
    }
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    this.#options.say(
      `podsgd dev: node network setup skipped on every node agent (${
        root
          ? 'the emulated nodes share this machine, whose routing rules dev must not change'
          : 'not running as root'
      })`,
    );
    for (const node of await this.#nodeNames()) {
      const nodeDir = join(dir, 'nodes', node);
      const cniBinDir = join(nodeDir, 'bin');
      const cniConfDir = join(nodeDir, 'net.d');
      await mkdir(cniBinDir, { recursive: true, mode: 0o700 });
      await mkdir(cniConfDir, { recursive: true, mode: 0o700 });
      await writeFile(
        join(cniConfDir, '10-ptp.conflist'),
        devPrimaryConflist(join(nodeDir, 'ipam')),
        {
          mode: 0o600,
        },
      );
      const agentSocket = join(nodeDir, 'agent.sock');
      const opsPort = await freePort();
      this.#spawn(
        {
          name: `node-agent-${node}`,
          role: 'node-agent',
          pid: null,
          opsPort,
          node,
          agentSocket,
          cniBinDir,
          cniConfDir,
        },
        [
          'node-agent',
          '--node-name',
          node,
          '--kubeconfig',
          files.agent,
          '--agent-socket',
          agentSocket,
          '--cni-bin-dir',
          cniBinDir,
          '--cni-conf-dir',
          cniConfDir,
          '--node-setup',
          'off',
          '--ops-host',
          HOST,
          '--ops-port',
          String(opsPort),
        ],
        env,
        this.#agents,
      );
    }
    await this.#writeProcesses();
    await this.#waitUntilReady(this.#options.readyTimeoutMs ?? 60_000);
    if (this.#scenario !== null) this.#play(this.#scenario);
  }

  #switchOnFaults(faults: DevFaults): void {
    try {
      this.cloud.ec2.server.setFaults(faults.ec2);
      this.cloud.kubernetes.server.setFaults(faults.kubernetes);
    } catch (error) {
      throw new PodsgdCliError(
        'InvalidInput',
        `--faults ${faults.file}: ${error instanceof Error ? error.message : String(error)}`,
        faults.file,
      );
    }
    this.#options.say(
      `podsgd dev: faults on: ${faults.ec2.length} EC2 rule(s), ${faults.kubernetes.length} Kubernetes rule(s)`,
    );
  }

  async #nodeNames(): Promise<string[]> {
    const snapshot = await this.cloud.fakeCluster.list();
    return snapshot.nodes.map((node) => node.name);
  }

  async #applyDeployParts(webhookBaseUrl: string, caPem: string): Promise<void> {
    for (const part of DEPLOY_PARTS) {
      const text = await readFile(join(packageRoot, 'deploy/parts', part), 'utf8');
      for (const document of parseAllDocuments(text)) {
        const object = document.toJS() as Record<string, unknown> | null;
        if (object === null) continue;
        const key = `${String(object['apiVersion'])}/${String(object['kind'])}`;
        if (!WRITABLE_KINDS.includes(key)) continue;
        await this.#writer.apply(
          String(object['kind']).endsWith('WebhookConfiguration')
            ? devWebhookConfiguration(object, webhookBaseUrl, caPem)
            : object,
        );
      }
    }
  }

  #spawn(
    info: DevProcessInfo,
    args: string[],
    env: Record<string, string>,
    group: DaemonProcess[],
  ): void {
    const { name } = info;
    const child = new DaemonProcess({
      name,
      command: process.execPath,
      args: [PODSGD, ...args],
      env,
      cwd: this.stateDir,
      logFile: join(this.stateDir, 'logs', `${name}.log`),
      onLine: (line) => {
        this.#onLine(name, line);
      },
      onUnexpectedExit: (code, signal) => {
        if (this.#leader === name) this.#leader = null;
        this.#options.say(
          `podsgd dev: ${name} exited (${signal ?? `status ${String(code)}`}); restarting it (log: logs/${name}.log)`,
        );
        setTimeout(() => void this.#writeProcesses(), 1500).unref();
      },
    });
    this.#info.set(child, info);
    group.push(child);
    child.start();
  }

  #onLine(name: string, line: DaemonLogLine): void {
    if (line.msg === 'became leader') {
      this.#leader = name;
      if (!this.#stopped) this.#options.say(`podsgd dev: ${name} leads`);
    } else if (
      this.#leader === name &&
      (line.msg === 'released the lease' ||
        (typeof line.msg === 'string' && line.msg.startsWith('stopped leading')))
    ) {
      this.#leader = null;
    }
  }

  async #writeProcesses(): Promise<void> {
    if (this.#stopped) return;
    await writeFile(
      join(this.stateDir, 'processes.json'),
      `${JSON.stringify(this.processes(), null, 2)}\n`,
      { mode: 0o600 },
    );
  }

  async #waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#stopped) throw new PodsgdCliError('Usage', 'podsgd dev: stopped before ready');
      const agents = await Promise.all(
        this.#agents.map(async (agent) => ({
          agent,
          ready: (await httpStatus(this.#info.get(agent)?.opsPort ?? 0, '/readyz')) === 200,
        })),
      );
      const waiting = [
        ...(this.#leader === null ? ['no controller leads yet'] : []),
        ...agents.filter((a) => !a.ready).map((a) => `${a.agent.name} not ready`),
      ];
      if (waiting.length === 0) return;
      if (Date.now() > deadline) {
        throw new PodsgdCliError(
          'Usage',
          `podsgd dev: not ready after ${timeoutMs / 1000} s: ${waiting.join('; ')} (logs in ${join(this.stateDir, 'logs')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Plays a scenario's objects, then its timeline, in real time (as the ordinary user would). */
  #play(scenario: Scenario): void {
    const writer = new KubernetesObjectWriter(
      new KubernetesHttpClient(
        loadKubeConfig({ yaml: this.cloud.kubernetes.kubeconfig(DEV_USER) }),
        {
          userAgent: 'podsgd-dev-scenario',
        },
      ),
    );
    const run = async (what: string, step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (error) {
        this.#options.say(
          `podsgd dev: scenario ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    };
    void run('objects', async () => {
      for (const object of scenario.objects) await writer.apply(object);
      this.#options.say(`podsgd dev: scenario: ${scenario.objects.length} objects applied`);
    });
    for (const step of scenario.timeline) {
      const timer = setTimeout(() => {
        void run(`step at ${step.at} s`, async () => {
          for (const object of step.apply) await writer.apply(object);
          for (const target of step.delete) {
            await writer.delete(target.kind, target.namespace, target.name);
          }
          const generate = step.generatePods;
          if (generate !== null) {
            for (let n = 1; n <= generate.count; n++) {
              await writer.apply({
                apiVersion: 'v1',
                kind: 'Pod',
                metadata: {
                  name: `${generate.prefix}-${n}`,
                  namespace: generate.namespace,
                  labels: generate.labels,
                },
                spec: {
                  serviceAccountName: generate.serviceAccountName,
                  containers: [{ name: 'app', image: 'busybox' }],
                },
              });
            }
          }
          if (step.restartController) await this.restartLeader();
          this.#options.say(`podsgd dev: scenario step at ${step.at} s played`);
        });
      }, step.at * 1000);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** Stops the leading controller with SIGTERM (it is started again, as a Deployment would). */
  async restartLeader(): Promise<void> {
    const leader = this.#controllers.find((child) => child.name === this.#leader);
    if (leader?.pid != null) process.kill(leader.pid, 'SIGTERM');
    await Promise.resolve();
  }

  /** Stops every child (SIGTERM, then SIGKILL after 10 s), the proxy and the emulators. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    await Promise.all([...this.#controllers, ...this.#agents].map((child) => child.stop()));
    await this.#proxy?.close();
    this.#transport.close();
    await this.cloud.close();
  }
}

/** The parent's environment without what would point children elsewhere, plus the EC2 keys. */
function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  aws: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (key.startsWith('AWS_') || key === 'KUBECONFIG') continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: aws['AWS_ACCESS_KEY_ID'] ?? '',
    AWS_SECRET_ACCESS_KEY: aws['AWS_SECRET_ACCESS_KEY'] ?? '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get({ host: HOST, port, path, timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => {
      resolve(0);
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(0);
    });
  });
}
