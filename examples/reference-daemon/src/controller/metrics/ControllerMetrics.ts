import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AllocatorError, EC2_API_NAMES } from '@podsg/allocator';
import type { BranchController, Ec2ApiName, NetworkInterfaceApi } from '@podsg/allocator';
import type { Ec2PreflightReport } from '../models/Ec2PreflightReport.js';

/** Which EC2 API each `NetworkInterfaceApi` method sends (one request per call). */
const EC2_API_OF_METHOD: Readonly<Record<keyof NetworkInterfaceApi, Ec2ApiName>> = {
  describeInstance: 'DescribeInstances',
  describeSubnet: 'DescribeSubnets',
  createNetworkInterface: 'CreateNetworkInterface',
  attachNetworkInterface: 'AttachNetworkInterface',
  modifyNetworkInterface: 'ModifyNetworkInterfaceAttribute',
  tagNetworkInterface: 'CreateTags',
  associateTrunkInterface: 'AssociateTrunkInterface',
  disassociateTrunkInterface: 'DisassociateTrunkInterface',
  describeTrunkInterfaceAssociations: 'DescribeTrunkInterfaceAssociations',
  deleteNetworkInterface: 'DeleteNetworkInterface',
  listNetworkInterfaces: 'DescribeNetworkInterfaces',
};

/** Deletion reasons that mean the interface had leaked (belonged to nothing alive). */
const LEAK_REASONS = new Set(['orphan', 'garbage']);

/**
 * The Prometheus metrics of `podsgd controller` (prom-client, one registry per process, served
 * on `/metrics`). Names are listed in the reference daemon's README.
 */
export class ControllerMetrics {
  /** The registry to serve. */
  readonly registry = new Registry();
  readonly #ec2Calls: Counter<'api'>;
  readonly #ec2Errors: Counter<'api' | 'kind'>;
  readonly #ec2Duration: Histogram<'api'>;
  readonly #ec2Throttled: Counter<'api'>;
  readonly #podsAnnotated: Counter;
  readonly #branchOperations: Counter<'operation'>;
  readonly #allocationFailures: Counter<'retrying'>;
  readonly #leakedInterfaces: Counter<'reason'>;
  readonly #webhookDuration: Histogram<'webhook' | 'allowed'>;
  readonly #webhookRejected: Counter<'webhook' | 'reason'>;
  readonly #leader: Gauge;
  readonly #trunkingAllowed: Gauge;
  readonly #preflightAllowed: Gauge<'action'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'podsg_process_' });
    this.#ec2Calls = new Counter({
      name: 'podsg_ec2_calls_total',
      help: 'EC2 requests sent, per API (every attempt)',
      labelNames: ['api'],
      registers,
    });
    this.#ec2Errors = new Counter({
      name: 'podsg_ec2_errors_total',
      help: 'EC2 requests that failed, per API and AllocatorError kind',
      labelNames: ['api', 'kind'],
      registers,
    });
    this.#ec2Duration = new Histogram({
      name: 'podsg_ec2_call_duration_seconds',
      help: 'EC2 request latency, per API',
      labelNames: ['api'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#ec2Throttled = new Counter({
      name: 'podsg_ec2_throttled_total',
      help: 'EC2 requests answered RequestLimitExceeded, per API',
      labelNames: ['api'],
      registers,
    });
    this.#podsAnnotated = new Counter({
      name: 'podsg_pods_annotated_total',
      help: 'Pods given a branch interface and the vpc.amazonaws.com/pod-eni annotation',
      registers,
    });
    this.#branchOperations = new Counter({
      name: 'podsg_branch_operations_total',
      help: 'Branch interface lifecycle steps (created, reused, moved, adopted, released, release-confirmed, held, deleted, groups-updated)',
      labelNames: ['operation'],
      registers,
    });
    this.#allocationFailures = new Counter({
      name: 'podsg_allocation_failures_total',
      help: 'Failed branch allocations; retrying="false" means given up until the pod changes',
      labelNames: ['retrying'],
      registers,
    });
    this.#leakedInterfaces = new Counter({
      name: 'podsg_leaked_interfaces_total',
      help: 'Interfaces found belonging to nothing alive and deleted (orphan at recovery, garbage sweep)',
      labelNames: ['reason'],
      registers,
    });
    this.#webhookDuration = new Histogram({
      name: 'podsg_webhook_duration_seconds',
      help: 'Admission review handling time, per webhook and verdict',
      labelNames: ['webhook', 'allowed'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.#webhookRejected = new Counter({
      name: 'podsg_webhook_bad_requests_total',
      help: 'Admission requests answered with an HTTP error (unparseable review, too large, unknown path)',
      labelNames: ['webhook', 'reason'],
      registers,
    });
    this.#leader = new Gauge({
      name: 'podsg_leader',
      help: '1 while this replica leads (runs the branch controller), else 0',
      registers,
    });
    this.#leader.set(0);
    this.#trunkingAllowed = new Gauge({
      name: 'podsg_ec2_trunking_allowed',
      help: '1 when the EC2 preflight found trunk association allowed, 0 when not, -1 before the preflight',
      registers,
    });
    this.#trunkingAllowed.set(-1);
    this.#preflightAllowed = new Gauge({
      name: 'podsg_ec2_preflight_allowed',
      help: '1 when the EC2 preflight found the action allowed (DryRun), else 0',
      labelNames: ['action'],
      registers,
    });
    for (const api of EC2_API_NAMES) {
      this.#ec2Calls.labels(api).inc(0);
      this.#ec2Throttled.labels(api).inc(0);
    }
  }

  /**
   * `api` with every call counted, timed, and its failures counted by kind under the EC2 API
   * name it sends.
   */
  meterNetworkInterfaceApi(api: NetworkInterfaceApi): NetworkInterfaceApi {
    const metered: Partial<Record<keyof NetworkInterfaceApi, unknown>> = {};
    for (const [method, apiName] of Object.entries(EC2_API_OF_METHOD) as [
      keyof NetworkInterfaceApi,
      Ec2ApiName,
    ][]) {
      const call = (api[method] as (...args: unknown[]) => Promise<unknown>).bind(api);
      metered[method] = async (...args: unknown[]): Promise<unknown> => {
        this.#ec2Calls.labels(apiName).inc();
        const stopTimer = this.#ec2Duration.labels(apiName).startTimer();
        try {
          return await call(...args);
        } catch (error) {
          this.#ec2Errors.labels(apiName, AllocatorError.is(error) ? error.kind : 'Unknown').inc();
          throw error;
        } finally {
          stopTimer();
        }
      };
    }
    return metered as unknown as NetworkInterfaceApi;
  }

  /** Follows a controller's typed events until it is stopped (listeners are dropped with it). */
  observeController(controller: BranchController): void {
    const { events } = controller;
    const operation = (name: string) => () => {
      this.#branchOperations.labels(name).inc();
    };
    /** Interfaces moved to another node whose allocation (associate + annotate) is under way. */
    const moving = new Set<string>();
    events.on('moved', (detail) => {
      moving.add(detail.eniId);
      this.#branchOperations.labels('moved').inc();
    });
    events.on('allocated', (detail) => {
      this.#podsAnnotated.inc();
      if (moving.delete(detail.eniId)) return;
      if (!detail.reused) this.#branchOperations.labels('created').inc();
    });
    events.on('reused', operation('reused'));
    events.on('adopted', operation('adopted'));
    events.on('released', operation('released'));
    events.on('releaseConfirmed', operation('release-confirmed'));
    events.on('held', operation('held'));
    events.on('groupsUpdated', operation('groups-updated'));
    events.on('deleted', (detail) => {
      this.#branchOperations.labels('deleted').inc();
      if (LEAK_REASONS.has(detail.reason)) this.#leakedInterfaces.labels(detail.reason).inc();
    });
    events.on('throttled', (detail) => {
      this.#ec2Throttled.labels(detail.api).inc();
    });
    events.on('allocationFailed', (detail) => {
      this.#allocationFailures.labels(String(detail.willRetry)).inc();
    });
  }

  /** Records one admission review. */
  observeWebhook(webhook: string, allowed: boolean, seconds: number): void {
    this.#webhookDuration.labels(webhook, String(allowed)).observe(seconds);
  }

  /** Records a request answered with an HTTP error. */
  countBadWebhookRequest(webhook: string, reason: string): void {
    this.#webhookRejected.labels(webhook, reason).inc();
  }

  /** Sets the leader gauge. */
  setLeader(leading: boolean): void {
    this.#leader.set(leading ? 1 : 0);
  }

  /** Publishes the EC2 preflight's findings. */
  recordPreflight(report: Ec2PreflightReport): void {
    this.#trunkingAllowed.set(report.trunkingAllowed ? 1 : 0);
    for (const action of report.actions) {
      this.#preflightAllowed.labels(action.action).set(action.allowed ? 1 : 0);
    }
  }
}
