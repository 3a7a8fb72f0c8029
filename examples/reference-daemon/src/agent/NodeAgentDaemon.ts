import { inject, injectable } from 'inversify';
import { AllocatorError, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import type { Clock, ClusterApi } from '@podsg/allocator';
import type { AgentPodAnswer } from '@podsg/cni';
import { TOKENS } from '../composition/tokens.js';
import { NodeHostFacts } from '../cni/NodeHostFacts.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import { OpsServer } from '../daemon/services/OpsServer.js';
import type { NodeAgentSettings } from './models/nodeAgentSettings.js';
import type { NodeNetworkSetup } from './ports/NodeNetworkSetup.js';
import type { NodeRegistrationApi } from './ports/NodeRegistrationApi.js';
import type { ReleaseConfirmationApi } from './ports/ReleaseConfirmationApi.js';
import { installPodsgCni, writePodsgConflist } from './services/installPodsgCni.js';
import { NodeAgentCniRunner } from './services/NodeAgentCniRunner.js';
import { NodeAgentServer } from './services/NodeAgentServer.js';
import { PodSourceAgentClient } from './services/PodSourceAgentClient.js';
import { PodCache } from './services/PodCache.js';
import { ReleaseConfirmer } from './services/ReleaseConfirmer.js';

/** Service identifier of the node network setup (bound by the node agent's module). */
export const NODE_NETWORK_SETUP = Symbol('NodeNetworkSetup');

/**
 * `podsgd node-agent`, one per node (DaemonSet): applies the node's network setup, installs
 * `podsg-cni` and its conflist, serves the agent protocol on its unix socket from a cache of
 * this node's pods (and runs the CNI calls the podsg-cni shim forwards, `POST /v1/cni`), marks the node trunk-capable (label and CNINode feature), and confirms
 * branch releases. `/healthz` and `/readyz` on a local plain-HTTP port. SIGTERM closes the
 * socket (podsg-cni then answers "try again") and exits 0.
 */
@injectable()
export class NodeAgentDaemon {
  /** Resolves with the exit status. */
  readonly done: Promise<number>;
  readonly confirmer: ReleaseConfirmer;
  readonly #settings: NodeAgentSettings;
  readonly #registration: NodeRegistrationApi;
  readonly #setup: NodeNetworkSetup | null;
  readonly #clock: Clock;
  readonly #log: DaemonLog;
  readonly #cache: PodCache;
  readonly #server: NodeAgentServer;
  readonly #ops: OpsServer;
  readonly #stopping = new AbortController();
  readonly #state = { cniInstalled: false, registered: false };
  #conflistTimer: NodeJS.Timeout | null = null;
  #finish: (code: number) => void = () => undefined;

  constructor(
    @inject(TOKENS.nodeAgentSettings) settings: NodeAgentSettings,
    @inject(TOKENS.cluster) cluster: ClusterApi,
    @inject(TOKENS.nodeRegistration) registration: NodeRegistrationApi,
    @inject(TOKENS.releaseConfirmation) releases: ReleaseConfirmationApi,
    @inject(NODE_NETWORK_SETUP) setup: NodeNetworkSetup | null,
    @inject(TOKENS.clock) clock: Clock,
    @inject(TOKENS.log) log: DaemonLog,
  ) {
    this.#settings = settings;
    this.#registration = registration;
    this.#setup = setup;
    this.#clock = clock;
    this.#log = log;
    this.done = new Promise((resolve) => {
      this.#finish = resolve;
    });
    const agentLog = {
      info: (message: string) => {
        log.info({}, message);
      },
      warn: (message: string) => {
        log.warn({}, message);
      },
    };
    this.confirmer = new ReleaseConfirmer({
      nodeName: settings.nodeName,
      links: new NodeHostFacts(),
      api: releases,
      log,
    });
    this.#cache = new PodCache({
      cluster,
      nodeName: settings.nodeName,
      trunkLink: settings.trunkLink,
      log: agentLog,
      onDeparture: (pod) => {
        this.confirmer.depart(pod);
      },
    });
    const onAnswer = (_namespace: string, _name: string, answer: AgentPodAnswer): void => {
      if (answer.required && answer.branch !== null)
        this.confirmer.wired(answer.podUid, answer.branch.vlanId);
    };
    this.#server = new NodeAgentServer({
      socketPath: settings.agentSocket,
      pods: this.#cache,
      log: agentLog,
      onAnswer,
      // The podsg-cni shim's calls run here: the plugin's pod question is a call on the cache.
      cniCalls: new NodeAgentCniRunner({ agent: new PodSourceAgentClient(this.#cache, onAnswer) }),
    });
    this.#ops = new OpsServer({
      host: settings.opsHost,
      port: settings.opsPort,
      alive: () => true,
    });
    this.#ops.addReadinessCheck({
      name: 'pods',
      check: () => (this.#cache.synced ? null : 'pods of this node not listed yet'),
    });
    this.#ops.addReadinessCheck({
      name: 'cni',
      check: () => (this.#state.cniInstalled ? null : 'podsg-cni not installed yet'),
    });
    this.#ops.addReadinessCheck({
      name: 'node',
      check: () => (this.#state.registered ? null : 'node not yet marked trunk-capable'),
    });
  }

  /** The ops port listened on. */
  get opsPort(): number {
    return this.#ops.port;
  }

  /**
   * Applies the node setup (a failure is fatal: pods must not be wired on a half-set-up node),
   * starts serving the socket (answering 503 until the pods are listed), installs the plugin and
   * its conflist, then lists and watches pods, registers the node and confirms releases; the
   * cluster steps retry in the background until they succeed.
   */
  async start(): Promise<void> {
    await this.#ops.start();
    if (this.#setup !== null) {
      await this.#setup.apply();
      this.#log.info({ mode: this.#settings.enforcingMode }, 'node network setup applied');
    }
    await this.#server.start();
    await this.#installCni();
    void this.#retry('list the pods of this node', () => this.#cache.start());
    void this.#retry('mark the node trunk-capable', async () => {
      await this.#registration.labelNode(this.#settings.nodeName, {
        [HAS_TRUNK_ATTACHED_LABEL]: 'true',
      });
      await this.#registration.ensureCniNodeFeature(
        this.#settings.nodeName,
        'SecurityGroupsForPods',
      );
      this.#state.registered = true;
      this.#log.info({}, 'node marked trunk-capable (label and CNINode feature)');
    });
    this.confirmer.start(this.#settings.releaseScanMs);
    this.#log.info(
      { socket: this.#settings.agentSocket, opsPort: this.#ops.port },
      'node agent serving',
    );
  }

  /** SIGTERM: stop answering (the socket is removed), stop following pods, exit 0. */
  async shutdown(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    this.#stopping.abort();
    if (this.#conflistTimer !== null) clearInterval(this.#conflistTimer);
    await this.#server.close();
    this.#cache.stop();
    await this.confirmer.stop();
    // One last publication of what was confirmed, so the controller is not left waiting.
    await this.confirmer.scan();
    await this.#ops.close();
    this.#log.info({}, 'node agent stopped');
    this.#finish(0);
  }

  async #installCni(): Promise<void> {
    const { cniBinDir, cniConfDir } = this.#settings;
    if (cniBinDir !== '') {
      const { written } = await installPodsgCni({
        binDir: cniBinDir,
        nodeBinary: process.execPath,
      });
      this.#log.info({ binDir: cniBinDir, written }, 'podsg-cni installed');
    }
    if (cniConfDir === '') {
      this.#state.cniInstalled = true;
      return;
    }
    const write = async (): Promise<void> => {
      const { primary, written } = await writePodsgConflist(cniConfDir, {
        agentSocket: this.#settings.agentSocket,
        enforcingMode: this.#settings.enforcingMode,
        mtu: this.#settings.mtu,
        vethPrefix: this.#settings.vethPrefix,
      });
      if (written)
        this.#log.info(
          { primary, confDir: cniConfDir },
          'podsg conflist written (delegating to the primary)',
        );
      this.#state.cniInstalled = true;
    };
    void this.#retry('write the podsg conflist', write);
    // The primary CNI may rewrite its configuration (upgrades); follow it.
    this.#conflistTimer = setInterval(() => {
      write().catch((error: unknown) => {
        this.#log.warn({ err: describe(error) }, 'podsg conflist not refreshed');
      });
    }, 30_000);
    this.#conflistTimer.unref();
  }

  #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  async #retry(what: string, action: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.#stopped(); attempt++) {
      try {
        await action();
        return;
      } catch (error) {
        if (this.#stopped()) return;
        this.#log.warn({ err: describe(error), attempt }, `${what} failed; retrying`);
        try {
          await this.#clock.sleep(
            Math.min(30_000, 500 * 2 ** (attempt - 1)),
            this.#stopping.signal,
          );
        } catch (sleepError) {
          if (!AllocatorError.is(sleepError, 'Aborted')) throw sleepError;
        }
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
