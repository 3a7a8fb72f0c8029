import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { inject, injectable } from 'inversify';
import { AllocatorError, BranchController } from '@podsg/allocator';
import type { Clock, ClusterApi, NetworkInterfaceApi } from '@podsg/allocator';
import { TOKENS } from '../composition/tokens.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import { OpsServer } from '../daemon/services/OpsServer.js';
import { fenceCalls } from './leader/fenceCalls.js';
import { LeaderElector, type LeadershipEnd } from './leader/LeaderElector.js';
import { ControllerMetrics } from './metrics/ControllerMetrics.js';
import type { ControllerSettings } from './models/controllerSettings.js';
import type { Ec2PreflightReport } from './models/Ec2PreflightReport.js';
import type { Ec2PermissionPreflight } from './ports/Ec2PermissionPreflight.js';
import type { LeaseClient } from './ports/LeaseClient.js';
import type { WebhookCaBundleApi } from './ports/WebhookCaBundleApi.js';
import { AdmissionWebhookServer } from './webhooks/AdmissionWebhookServer.js';
import { generateWebhookCertificate } from './webhooks/generateWebhookCertificate.js';
import { PolicyCache } from './webhooks/PolicyCache.js';
import { ServingCertificate } from './webhooks/ServingCertificate.js';

/** Exit status of a controller that lost its lease (fenced): the kubelet restarts it as a standby. */
export const EXIT_LOST_LEADERSHIP = 3;

/**
 * `podsgd controller`: on every replica the admission webhooks (HTTPS) and `/healthz`,
 * `/readyz`, `/metrics` (plain HTTP, its own port); on the replica that holds the Lease, the
 * `BranchController`, its EC2 and cluster ports fenced by the leadership signal.
 *
 * `start()` resolves once serving; `done` resolves with the exit status: 0 after `shutdown()`
 * (SIGTERM: fence, stop the controller, release the lease, close the webhooks), or
 * {@link EXIT_LOST_LEADERSHIP} when the lease could not be renewed in time.
 */
@injectable()
export class ControllerDaemon {
  /** Resolves with the process's exit status. */
  readonly done: Promise<number>;
  readonly metrics = new ControllerMetrics();
  readonly #settings: ControllerSettings;
  readonly #ec2: NetworkInterfaceApi;
  readonly #cluster: ClusterApi;
  readonly #caBundle: WebhookCaBundleApi;
  readonly #preflight: Ec2PermissionPreflight;
  readonly #clock: Clock;
  readonly #log: DaemonLog;
  readonly #ops: OpsServer;
  readonly #cache: PolicyCache;
  readonly #elector: LeaderElector;
  readonly #stopping = new AbortController();
  #webhooks: AdmissionWebhookServer | null = null;
  #certificate: ServingCertificate | null = null;
  #controller: BranchController | null = null;
  #preflightReport: Ec2PreflightReport | null = null;
  #finish: (code: number) => void = () => undefined;
  #electionEnded: Promise<LeadershipEnd> | null = null;

  constructor(
    @inject(TOKENS.controllerSettings) settings: ControllerSettings,
    @inject(TOKENS.networkInterfaces) ec2: NetworkInterfaceApi,
    @inject(TOKENS.cluster) cluster: ClusterApi,
    @inject(TOKENS.leases) leases: LeaseClient,
    @inject(TOKENS.webhookCaBundle) caBundle: WebhookCaBundleApi,
    @inject(TOKENS.ec2Preflight) preflight: Ec2PermissionPreflight,
    @inject(TOKENS.clock) clock: Clock,
    @inject(TOKENS.log) log: DaemonLog,
  ) {
    this.#settings = settings;
    this.#ec2 = this.metrics.meterNetworkInterfaceApi(ec2);
    this.#cluster = cluster;
    this.#caBundle = caBundle;
    this.#preflight = preflight;
    this.#clock = clock;
    this.#log = log;
    this.done = new Promise((resolve) => {
      this.#finish = resolve;
    });
    this.#cache = new PolicyCache(cluster, log);
    this.#ops = new OpsServer({
      host: settings.opsHost,
      port: settings.opsPort,
      registry: this.metrics.registry,
      // Alive while it answers: a wedged event loop fails the probe by not answering.
      alive: () => true,
    });
    this.#ops.addReadinessCheck({
      name: 'policy-cache',
      check: () => (this.#cache.synced ? null : 'SecurityGroupPolicies not listed yet'),
    });
    this.#ops.addReadinessCheck({
      name: 'webhooks',
      check: () => (this.#webhooks === null ? 'webhook server not started' : null),
    });
    this.#ops.addReadinessCheck({
      name: 'ec2-trunking',
      check: () =>
        this.#preflightReport === null || this.#preflightReport.trunkingAllowed
          ? null
          : 'this account may not associate branch interfaces with trunks (AssociateTrunkInterface); see the log',
    });
    this.#elector = new LeaderElector({
      leases,
      namespace: settings.namespace,
      name: settings.leaseName,
      identity: `${settings.identity}_${randomBytes(4).toString('hex')}`,
      leaseDurationMs: settings.leaseDurationMs,
      renewDeadlineMs: settings.renewDeadlineMs,
      retryPeriodMs: settings.retryPeriodMs,
      clock,
      log,
      onStartedLeading: (signal) => {
        this.#lead(signal);
      },
      onStoppedLeading: (reason) => {
        this.metrics.setLeader(false);
        const controller = this.#controller;
        this.#controller = null;
        void controller?.stop();
        this.#log.warn({ reason }, 'stopped leading: branch controller stopped');
      },
    });
  }

  /** The ports actually listened on (`--webhook-port 0` / `--ops-port 0` pick free ones). */
  get ports(): { webhook: number | null; ops: number } {
    return { webhook: this.#webhooks?.port ?? null, ops: this.#ops.port };
  }

  /** Whether this replica currently leads. */
  get leading(): boolean {
    return this.#elector.leading;
  }

  /**
   * Serves health and metrics, the webhooks (after the certificate and the policy cache), runs
   * the EC2 preflight, and starts campaigning for the lease. Throws when the certificate is
   * unusable or a port cannot be bound (the process then exits non-zero).
   */
  async start(): Promise<void> {
    await this.#ops.start();
    const tls = await this.#serviceCertificate();
    await this.#startPolicyCache();
    const webhooks = new AdmissionWebhookServer({
      host: this.#settings.webhookHost,
      port: this.#settings.webhookPort,
      tls,
      cache: this.#cache,
      controllerUsernames: [
        this.#settings.controllerUsername ??
          `system:serviceaccount:${this.#settings.namespace}:podsg-controller`,
      ],
      metrics: this.metrics,
      log: this.#log,
    });
    await webhooks.start();
    this.#webhooks = webhooks;
    this.#log.info({ webhookPort: webhooks.port, opsPort: this.#ops.port }, 'controller serving');
    void this.#runPreflight();
    this.#electionEnded = this.#elector.run();
    void this.#electionEnded.then((end) => {
      if (end === 'lost') void this.#close(EXIT_LOST_LEADERSHIP);
    });
  }

  /**
   * SIGTERM: stop taking work — fence and stop the branch controller (its in-flight EC2 calls
   * are abandoned; their client tokens make the next leader's retries safe), release the lease
   * so the standby leads at once, then close the webhooks and the ops port. `done` resolves 0.
   */
  async shutdown(): Promise<void> {
    await this.#close(0);
  }

  async #close(code: number): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    this.#stopping.abort();
    this.#log.info({ exitCode: code }, code === 0 ? 'shutting down' : 'leadership lost: exiting');
    this.#elector.stop();
    await this.#electionEnded;
    this.#cache.stop();
    this.#certificate?.close();
    await this.#webhooks?.close(2_000);
    await this.#ops.close();
    this.#finish(code);
  }

  #lead(signal: AbortSignal): void {
    this.metrics.setLeader(true);
    const {
      clusterName,
      vpcId,
      cooldownSeconds,
      moveBranches,
      releaseWaitMs,
      warmPoolBranches,
      warmPoolIdleMs,
    } = this.#settings;
    const controller = new BranchController({
      networkInterfaces: fenceCalls(this.#ec2, signal, 'ec2'),
      cluster: fenceCalls(this.#cluster, signal, 'cluster', ['watch']),
      clock: this.#clock,
      options: {
        clusterName,
        ...(vpcId === undefined ? {} : { vpcId }),
        ...(cooldownSeconds === undefined ? {} : { cooldownSeconds }),
        moveBranches,
        ...(releaseWaitMs === undefined ? {} : { releaseWaitSeconds: releaseWaitMs / 1000 }),
        ...(warmPoolBranches === undefined
          ? {}
          : {
              warmPool: {
                branchesPerNode: warmPoolBranches,
                ...(warmPoolIdleMs === undefined ? {} : { idleSeconds: warmPoolIdleMs / 1000 }),
              },
            }),
      },
    });
    this.metrics.observeController(controller);
    this.#logControllerEvents(controller);
    this.#controller = controller;
    controller.start().then(
      () => {
        this.#log.info({}, 'branch controller started (state rebuilt from EC2 and the cluster)');
      },
      (error: unknown) => {
        if (signal.aborted) return;
        this.#log.error(
          { err: describe(error) },
          'branch controller failed to start; exiting so the lease passes on',
        );
        void this.#close(1);
      },
    );
  }

  #logControllerEvents(controller: BranchController): void {
    const { events } = controller;
    const pod = (ref: { namespace: string; name: string }): string =>
      `${ref.namespace}/${ref.name}`;
    events.on('allocated', (d) => {
      this.#log.info(
        { pod: pod(d.pod), node: d.node, eniId: d.eniId, vlanId: d.vlanId, reused: d.reused },
        'branch allocated',
      );
    });
    events.on('released', (d) => {
      this.#log.info({ pod: pod(d.pod), node: d.node, eniId: d.eniId }, 'branch released');
    });
    events.on('allocationFailed', (d) => {
      this.#log.warn(
        { pod: pod(d.pod), node: d.node, err: d.error.message, willRetry: d.willRetry },
        'allocation failed',
      );
    });
    events.on('trunkReady', (d) => {
      this.#log.info(
        { node: d.node, trunkInterfaceId: d.trunkInterfaceId, capacity: d.capacity },
        'trunk ready',
      );
    });
    events.on('trunkFailed', (d) => {
      this.#log.warn(
        { node: d.node, err: d.error.message, willRetry: d.willRetry },
        'trunk preparation failed',
      );
    });
    events.on('nodeUnsupported', (d) => {
      this.#log.warn(
        { node: d.node, instanceType: d.instanceType, reason: d.reason },
        'node cannot take branches',
      );
    });
    events.on('deleted', (d) => {
      this.#log.info({ node: d.node, eniId: d.eniId, reason: d.reason }, 'interface deleted');
    });
    events.on('warning', (d) => {
      this.#log.warn({ err: d.error === undefined ? undefined : describe(d.error) }, d.message);
    });
  }

  async #serviceCertificate(): Promise<{ cert: string; key: string }> {
    const { tlsCertFile, tlsKeyFile, selfSignedWebhookCert } = this.#settings;
    if (selfSignedWebhookCert) await this.#bootstrapSelfSigned();
    const certificate = new ServingCertificate({
      files: { certFile: tlsCertFile, keyFile: tlsKeyFile },
      log: this.#log,
      onChange: (tls) => this.#webhooks?.setSecureContext(tls),
    });
    const tls = await certificate.load();
    certificate.watch(dirname(tlsCertFile));
    this.#certificate = certificate;
    return tls;
  }

  async #bootstrapSelfSigned(): Promise<void> {
    const { webhookService, namespace, tlsCertFile, tlsKeyFile, webhookConfigurationName } =
      this.#settings;
    const dnsNames = [
      `${webhookService}.${namespace}.svc`,
      `${webhookService}.${namespace}.svc.cluster.local`,
      `${webhookService}.${namespace}`,
      webhookService,
      'localhost',
      '127.0.0.1',
    ];
    const generated = await generateWebhookCertificate(dnsNames);
    await mkdir(dirname(tlsCertFile), { recursive: true });
    await mkdir(dirname(tlsKeyFile), { recursive: true });
    await writeFile(tlsCertFile, generated.cert);
    await writeFile(tlsKeyFile, generated.key, { mode: 0o600 });
    await chmod(tlsKeyFile, 0o600);
    await writeFile(`${dirname(tlsCertFile)}/ca.crt`, generated.caCert);
    this.#log.info({ dnsNames }, 'generated a self-signed webhook certificate');
    // Every replica writes its own CA; the last writer wins and the others' certificates stop
    // being trusted. Self-signed mode is for single-replica and development setups; use
    // cert-manager (deploy/cert-manager.yaml) for two replicas.
    for (const kind of [
      'MutatingWebhookConfiguration',
      'ValidatingWebhookConfiguration',
    ] as const) {
      await this.#retry(`write the CA into ${kind} ${webhookConfigurationName}`, () =>
        this.#caBundle.setWebhookCaBundle(kind, webhookConfigurationName, generated.caCert),
      );
    }
  }

  async #startPolicyCache(): Promise<void> {
    await this.#retry('list SecurityGroupPolicies and service accounts', () => this.#cache.start());
  }

  async #runPreflight(): Promise<void> {
    let report: Ec2PreflightReport;
    try {
      report = await this.#retry('EC2 permission preflight', () => this.#preflight.preflight());
    } catch (error) {
      if (!this.#stopping.signal.aborted)
        this.#log.error({ err: describe(error) }, 'EC2 preflight gave up');
      return;
    }
    this.#preflightReport = report;
    this.metrics.recordPreflight(report);
    const denied = report.actions.filter((action) => !action.allowed);
    this.#log.info(
      {
        trunkingAllowed: report.trunkingAllowed,
        allowed: report.actions.filter((action) => action.allowed).map((action) => action.action),
        denied: denied.map((action) => ({
          action: action.action,
          missingPermission: action.missingPermission,
          code: action.code,
        })),
      },
      'EC2 permission preflight',
    );
    if (!report.trunkingAllowed) {
      this.#log.error(
        { missing: denied.map((action) => action.missingPermission ?? action.action) },
        'THIS AWS ACCOUNT CANNOT USE BRANCH INTERFACES: trunk association (AssociateTrunkInterface) is not allowed. ' +
          'No pod will get its security groups. Grant the IAM permissions listed, or ask AWS to enable ENI trunking for the account.',
      );
    }
  }

  /** Runs `action` until it succeeds, backing off 1 s → 30 s; stops (throws) when shutting down. */
  async #retry<T>(what: string, action: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        if (this.#stopping.signal.aborted) throw error;
        if (AllocatorError.is(error, 'Unauthorized') || AllocatorError.is(error, 'NotFound')) {
          this.#log.error({ err: describe(error), attempt }, `${what} failed; retrying`);
        } else {
          this.#log.warn({ err: describe(error), attempt }, `${what} failed; retrying`);
        }
        await this.#clock.sleep(Math.min(30_000, 1000 * 2 ** (attempt - 1)), this.#stopping.signal);
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
