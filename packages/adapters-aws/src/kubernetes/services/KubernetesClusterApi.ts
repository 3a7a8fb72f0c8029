import { AllocatorError } from '@podsg/allocator';
import type {
  ClusterApi,
  ClusterChange,
  ClusterEvent,
  ClusterNode,
  ClusterPod,
  ClusterServiceAccount,
  ClusterSnapshot,
} from '@podsg/allocator';
import { SystemClock } from '../../clock/SystemClock.js';
import {
  cniNodeOptsIn,
  extractClusterNode,
  extractClusterPod,
  extractClusterServiceAccount,
  trimPolicy,
  withCniNodeOptIn,
} from '../calculations/extractClusterObjects.js';
import { kubernetesFailureOf } from '../calculations/toAllocatorError.js';
import type { ObjectChange } from '../calculations/relistChanges.js';
import { isJsonObject, objectAt, stringAt } from '../internal/jsonFields.js';
import { ValueInterner } from '../internal/ValueInterner.js';
import type { KubernetesClusterApiOptions } from '../models/KubernetesClusterApiOptions.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';
import type { LeaseRecord, LeaseSpec } from '../models/LeaseRecord.js';
import { EventRecorder } from './EventRecorder.js';
import type { EventRecorderStats } from './EventRecorder.js';
import { KubernetesHttpClient } from './KubernetesHttpClient.js';
import { listResource, ResourceWatch } from './ResourceWatch.js';
import type {
  ResourceSnapshot,
  ResourceWatchOptions,
  ResourceWatchStats,
  WatchedResource,
} from './ResourceWatch.js';

interface CniNodeFacts {
  name: string;
  optedIn: boolean;
}

/** The resources the adapter follows. */
interface ResourceTable {
  pods: WatchedResource<ClusterPod>;
  nodes: WatchedResource<ClusterNode>;
  serviceAccounts: WatchedResource<ClusterServiceAccount>;
  policies: WatchedResource<unknown>;
  cniNodes: WatchedResource<CniNodeFacts>;
}

/** Options of each `ResourceWatch`, given its change handler. */
type WatchOptionsFor = <T>(onChange: (change: ObjectChange<T>) => void) => ResourceWatchOptions<T>;

/** The resources of one scope and their snapshots. */
interface Baseline {
  pods: ResourceSnapshot<ClusterPod>;
  nodes: ResourceSnapshot<ClusterNode> | null;
  serviceAccounts: ResourceSnapshot<ClusterServiceAccount> | null;
  policies: ResourceSnapshot<unknown> | null;
  cniNodes: ResourceSnapshot<CniNodeFacts> | null;
}

const CNINODES = '/apis/vpcresources.k8s.aws/v1alpha1/cninodes';
const WEBHOOK_PATHS = {
  MutatingWebhookConfiguration:
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  ValidatingWebhookConfiguration:
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
} as const;
const MERGE_PATCH = 'application/merge-patch+json';
const WRITE_ATTEMPTS = 5;

/**
 * The allocator's `ClusterApi` on a real Kubernetes API server (through `@kubernetes/client-node`'s
 * `KubeConfig` authentication), plus what the reference daemon needs around it: leases, one pod by
 * name, node labels, the node's `CNINode` feature, webhook CA bundles.
 *
 * - `list()` reads every page of pods, nodes, service accounts, SecurityGroupPolicies and CNINodes
 *   (only the node's pods in node-agent scope) and keeps the facts podsg reads (`ClusterPod` …),
 *   not the objects. `watch()` follows each resource from its list's resourceVersion with
 *   bookmarks, lists again after 410 Gone and delivers the differences, and restarts with
 *   jittered backoff after any other error (see `ResourceWatch`). Without a prior `list()`,
 *   `watch()` lists first itself and delivers only later changes.
 * - A node opts in by the label `vpc.amazonaws.com/has-trunk-attached` or by a CNINode whose
 *   `spec.features` holds `{name: SecurityGroupsForPods}`; the adapter reports the latter as the
 *   label (value `"true"`), so the allocator has one test for both.
 * - `annotatePod` is a merge patch carrying `metadata.uid`: the API server refuses it when the
 *   name belongs to another pod (409, or 422 on `metadata.uid`, both `Conflict`), so the UID
 *   check and the write are one atomic step. Events are aggregated and never block (see
 *   `EventRecorder`).
 * - Errors: `AllocatorError` 409 `Conflict`, 404 `NotFound`, 429 `Throttled`, 5xx/timeouts/network
 *   `Transient`, 401/403 `Unauthorized`, other 4xx `InvalidParameter`; `code` is
 *   `"<status> <reason>"` and `cause` a `KubernetesFailure` (with `retryAfterMs`).
 */
export class KubernetesClusterApi implements ClusterApi {
  /** The username given in the options, for callers (the annotation webhook's allow list). */
  readonly controllerUsername: string | undefined;
  readonly #options: KubernetesClusterApiOptions;
  readonly #transport: KubernetesTransport;
  readonly #ownTransport: KubernetesHttpClient | null;
  readonly #events: EventRecorder;
  readonly #intern = new ValueInterner();
  readonly #keepAnnotation: (key: string) => boolean;
  readonly #resources: ResourceTable;
  readonly #sessions = new Set<WatchSession>();
  #baseline: Baseline | null = null;
  #closed = false;

  constructor(options: KubernetesClusterApiOptions) {
    if (
      options.nodeName !== undefined &&
      !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(options.nodeName)
    ) {
      throw new AllocatorError(
        'Invalid',
        `KubernetesClusterApi option nodeName: '${options.nodeName}' is not a node name`,
      );
    }
    this.#options = options;
    this.controllerUsername = options.controllerUsername;
    if (options.transport === undefined) {
      const ownTransport = new KubernetesHttpClient(options.kubeConfig, {
        ...(options.requestTimeoutMs === undefined
          ? {}
          : { requestTimeoutMs: options.requestTimeoutMs }),
        userAgent: 'podsg',
      });
      this.#ownTransport = ownTransport;
      this.#transport = ownTransport;
    } else {
      this.#ownTransport = null;
      this.#transport = options.transport;
    }
    this.#keepAnnotation =
      options.keepAnnotation ??
      ((key) => key.startsWith('vpc.amazonaws.com/') || key.startsWith('podsg.io/'));
    this.#events = new EventRecorder({
      transport: this.#transport,
      ...(options.eventComponent === undefined ? {} : { component: options.eventComponent }),
      ...(options.eventInstance === undefined ? {} : { instance: options.eventInstance }),
      ...(options.maxQueuedEvents === undefined ? {} : { maxQueue: options.maxQueuedEvents }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const intern = this.#intern;
    const keep = this.#keepAnnotation;
    this.#resources = {
      pods: {
        name: 'pods',
        path: '/api/v1/pods',
        namespaced: true,
        ...(options.nodeName === undefined
          ? {}
          : { fieldSelector: `spec.nodeName=${options.nodeName}` }),
        extract: (raw) => extractClusterPod(raw, intern, keep),
      },
      nodes: {
        name: 'nodes',
        path: '/api/v1/nodes',
        namespaced: false,
        extract: (raw) => extractClusterNode(raw, intern),
      },
      serviceAccounts: {
        name: 'serviceaccounts',
        path: '/api/v1/serviceaccounts',
        namespaced: true,
        extract: (raw) => extractClusterServiceAccount(raw, intern),
      },
      policies: {
        name: 'securitygrouppolicies',
        path: '/apis/vpcresources.k8s.aws/v1beta1/securitygrouppolicies',
        namespaced: true,
        optional: true,
        extract: trimPolicy,
      },
      cniNodes: {
        name: 'cninodes',
        path: CNINODES,
        namespaced: false,
        optional: true,
        extract: (raw) => ({
          name: stringAt(objectAt(raw, 'metadata'), 'name') ?? '',
          optedIn: cniNodeOptsIn(raw),
        }),
      },
    };
  }

  // ──────────────────────────────── ClusterApi

  /** Lists every resource of the scope (all pages) and keeps it as the next `watch()`'s start. */
  async list(): Promise<ClusterSnapshot> {
    this.#checkOpen('list');
    const baseline = await this.#listBaseline();
    this.#baseline = baseline;
    const optedIn = optedInNodes(baseline.cniNodes);
    return {
      pods: values(baseline.pods),
      nodes: values(baseline.nodes).map((node) => withCniNodeOptIn(node, optedIn.has(node.name))),
      serviceAccounts: values(baseline.serviceAccounts),
      securityGroupPolicies: values(baseline.policies),
    };
  }

  /**
   * Delivers every change after the last `list()` (or after now, without one) to `listener`,
   * in order per resource, asynchronously, until the returned function is called.
   */
  watch(listener: (change: ClusterChange) => void): () => void {
    this.#checkOpen('watch');
    const baseline = this.#baseline;
    this.#baseline = null;
    const session = new WatchSession(
      this.#resources,
      (onChange) => this.#watchOptions(onChange),
      listener,
    );
    this.#sessions.add(session);
    if (baseline !== null) session.start(baseline);
    else void this.#startWithoutList(session);
    return () => {
      session.stop();
      this.#sessions.delete(session);
    };
  }

  /** Sets or removes annotations of the pod with this UID (merge patch carrying `metadata.uid`). */
  async annotatePod(
    pod: { namespace: string; name: string; uid: string },
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<void> {
    this.#checkOpen('annotatePod');
    for (const [key, value] of Object.entries(annotations)) {
      if (value !== null && typeof value !== 'string') {
        throw new AllocatorError(
          'Invalid',
          `annotation ${key} of pod ${pod.namespace}/${pod.name} is not a string or null`,
        );
      }
    }
    await this.#transport.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${segment(pod.namespace)}/pods/${segment(pod.name)}`,
      body: { metadata: { uid: pod.uid, annotations } },
      contentType: MERGE_PATCH,
      operation: `annotate pod ${pod.namespace}/${pod.name} (uid ${pod.uid})`,
    });
  }

  /** Sets `status.capacity` and `status.allocatable` (merge patch on `nodes/status`). */
  async setNodeCapacity(nodeName: string, resource: string, quantity: number): Promise<void> {
    this.#checkOpen('setNodeCapacity');
    if (typeof resource !== 'string' || resource.length === 0) {
      throw new AllocatorError('Invalid', `setNodeCapacity ${nodeName}: resource name is empty`);
    }
    if (!Number.isInteger(quantity) || quantity < 0) {
      throw new AllocatorError(
        'Invalid',
        `setNodeCapacity ${nodeName}: quantity ${quantity} of ${resource} is not a whole number ≥ 0`,
      );
    }
    const value = String(quantity);
    await this.#transport.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${segment(nodeName)}/status`,
      body: { status: { capacity: { [resource]: value }, allocatable: { [resource]: value } } },
      contentType: MERGE_PATCH,
      operation: `set capacity of node ${nodeName}`,
    });
  }

  /** Queues an Event; resolves when written, folded into an earlier one, or dropped. */
  recordEvent(event: ClusterEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#events.record(event);
  }

  /** A service account's labels, or null when it does not exist. */
  async serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null> {
    this.#checkOpen('serviceAccountLabels');
    const raw = await this.#getOrNull(
      `/api/v1/namespaces/${segment(namespace)}/serviceaccounts/${segment(name)}`,
      `get serviceaccount ${namespace}/${name}`,
    );
    return raw === null ? null : { ...extractClusterServiceAccount(raw, this.#intern).labels };
  }

  /** One pod's facts, or null when it does not exist. */
  async getPod(namespace: string, name: string): Promise<ClusterPod | null> {
    this.#checkOpen('getPod');
    const raw = await this.#getOrNull(
      `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`,
      `get pod ${namespace}/${name}`,
    );
    return raw === null ? null : extractClusterPod(raw, this.#intern, this.#keepAnnotation);
  }

  // ──────────────────────────────── for the daemon

  /** Sets (string) or removes (null) labels of a node (merge patch). Throws `NotFound`. */
  async labelNode(nodeName: string, labels: Record<string, string | null>): Promise<void> {
    this.#checkOpen('labelNode');
    await this.#transport.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${segment(nodeName)}`,
      body: { metadata: { labels } },
      contentType: MERGE_PATCH,
      operation: `label node ${nodeName}`,
    });
  }

  /**
   * Makes the node's cluster-scoped `CNINode` list `feature`, as EKS marks a node able to take
   * branch interfaces: creates it (owned by the Node, so it goes with it) or adds the feature,
   * under optimistic concurrency (retried on 409). Idempotent. Throws `NotFound` for an
   * unknown node.
   */
  async ensureCniNodeFeature(nodeName: string, feature: 'SecurityGroupsForPods'): Promise<void> {
    this.#checkOpen('ensureCniNodeFeature');
    const path = `${CNINODES}/${segment(nodeName)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await this.#getOrNull(path, `get cninode ${nodeName}`);
        if (existing === null) {
          const node = await this.#transport.request({
            method: 'GET',
            path: `/api/v1/nodes/${segment(nodeName)}`,
            operation: `get node ${nodeName}`,
          });
          const uid = stringAt(objectAt(node, 'metadata'), 'uid');
          await this.#transport.request({
            method: 'POST',
            path: CNINODES,
            body: {
              apiVersion: 'vpcresources.k8s.aws/v1alpha1',
              kind: 'CNINode',
              metadata: {
                name: nodeName,
                ...(uid === undefined
                  ? {}
                  : { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }] }),
              },
              spec: { features: [{ name: feature }] },
            },
            operation: `create cninode ${nodeName}`,
          });
          return;
        }
        const features = objectAt(existing, 'spec')?.['features'];
        const list: unknown[] = Array.isArray(features) ? (features as unknown[]) : [];
        if (list.some((entry) => stringAt(entry, 'name') === feature)) return;
        await this.#transport.request({
          method: 'PATCH',
          path,
          body: {
            metadata: {
              resourceVersion: stringAt(objectAt(existing, 'metadata'), 'resourceVersion'),
            },
            spec: { features: [...list, { name: feature }] },
          },
          contentType: MERGE_PATCH,
          operation: `add feature ${feature} to cninode ${nodeName}`,
        });
        return;
      } catch (error) {
        if (!AllocatorError.is(error, 'Conflict') || attempt >= WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Writes `caBundlePem` (PEM certificates) into `clientConfig.caBundle` of every webhook of a
   * webhook configuration (update under its resourceVersion, retried on 409). Idempotent.
   * Throws `Invalid` for a bundle without a certificate, `NotFound` for an unknown configuration.
   */
  async setWebhookCaBundle(
    kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration',
    name: string,
    caBundlePem: string,
  ): Promise<void> {
    this.#checkOpen('setWebhookCaBundle');
    const base = WEBHOOK_PATHS[kind] as string | undefined;
    if (base === undefined) {
      throw new AllocatorError(
        'Invalid',
        `setWebhookCaBundle: kind '${kind}' is not a webhook configuration`,
      );
    }
    if (!caBundlePem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new AllocatorError(
        'Invalid',
        `setWebhookCaBundle ${kind} ${name}: caBundlePem holds no PEM certificate`,
      );
    }
    const caBundle = Buffer.from(caBundlePem, 'utf8').toString('base64');
    const path = `${base}/${segment(name)}`;
    for (let attempt = 1; ; attempt++) {
      const current = await this.#transport.request({
        method: 'GET',
        path,
        operation: `get ${kind} ${name}`,
      });
      const webhooks = isJsonObject(current) ? current['webhooks'] : undefined;
      if (!isJsonObject(current) || (webhooks !== undefined && !Array.isArray(webhooks))) {
        throw new AllocatorError('Invalid', `${kind} ${name}: webhooks is not a list`);
      }
      const list: unknown[] = webhooks ?? [];
      if (list.every((hook) => stringAt(objectAt(hook, 'clientConfig'), 'caBundle') === caBundle))
        return;
      const updated = {
        ...current,
        webhooks: list.map((hook) =>
          isJsonObject(hook)
            ? { ...hook, clientConfig: { ...objectAt(hook, 'clientConfig'), caBundle } }
            : hook,
        ),
      };
      try {
        await this.#transport.request({
          method: 'PUT',
          path,
          body: updated,
          operation: `update ${kind} ${name}`,
        });
        return;
      } catch (error) {
        if (!AllocatorError.is(error, 'Conflict') || attempt >= WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** A Lease, or null when it does not exist. */
  async getLease(namespace: string, name: string): Promise<LeaseRecord | null> {
    this.#checkOpen('getLease');
    const raw = await this.#getOrNull(leasePath(namespace, name), `get lease ${namespace}/${name}`);
    return raw === null ? null : leaseRecord(raw, `lease ${namespace}/${name}`);
  }

  /** Creates a Lease; throws `Conflict` when it exists. */
  async createLease(namespace: string, name: string, spec: LeaseSpec): Promise<LeaseRecord> {
    this.#checkOpen('createLease');
    const created = await this.#transport.request({
      method: 'POST',
      path: `/apis/coordination.k8s.io/v1/namespaces/${segment(namespace)}/leases`,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: leaseSpecBody(spec),
      },
      operation: `create lease ${namespace}/${name}`,
    });
    return leaseRecord(created, `lease ${namespace}/${name}`);
  }

  /** Replaces a Lease's spec if it is still at `resourceVersion`; throws `Conflict` otherwise. */
  async updateLease(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    resourceVersion: string,
  ): Promise<LeaseRecord> {
    this.#checkOpen('updateLease');
    const updated = await this.#transport.request({
      method: 'PUT',
      path: leasePath(namespace, name),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, resourceVersion },
        spec: leaseSpecBody(spec),
      },
      operation: `update lease ${namespace}/${name}`,
    });
    return leaseRecord(updated, `lease ${namespace}/${name}`);
  }

  /** Counters of the running watches (by resource) and of the event recorder. */
  stats(): { watches: Record<string, ResourceWatchStats>; events: EventRecorderStats } {
    const watches: Record<string, ResourceWatchStats> = {};
    for (const session of this.#sessions) Object.assign(watches, session.stats());
    return { watches, events: this.#events.stats() };
  }

  /** Stops every watch, drops queued events, closes idle connections. Later calls throw `Aborted`. */
  close(): Promise<void> {
    this.#closed = true;
    for (const session of this.#sessions) session.stop();
    this.#sessions.clear();
    this.#baseline = null;
    this.#events.close();
    this.#ownTransport?.close();
    return Promise.resolve();
  }

  #watchOptions<T>(onChange: (change: ObjectChange<T>) => void): ResourceWatchOptions<T> {
    const options = this.#options;
    return {
      transport: this.#transport,
      clock: options.clock ?? new SystemClock(),
      random: options.random ?? Math.random,
      backoff: options.watchBackoff ?? { baseMs: 250, maxMs: 30_000 },
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? 300,
      pageSize: options.pageSize ?? 500,
      onChange,
      onError: (error) => options.onWatchError?.(error),
    };
  }

  async #listBaseline(): Promise<Baseline> {
    const pageSize = this.#options.pageSize ?? 500;
    const onInvalid = (error: AllocatorError): void => this.#options.onWatchError?.(error);
    const list = <T>(resource: WatchedResource<T>): Promise<ResourceSnapshot<T>> =>
      listResource(this.#transport, resource, pageSize, onInvalid);
    const r = this.#resources;
    if (this.#options.nodeName !== undefined) {
      return {
        pods: await list(r.pods),
        nodes: null,
        serviceAccounts: null,
        policies: null,
        cniNodes: null,
      };
    }
    const [pods, nodes, serviceAccounts, policies, cniNodes] = await Promise.all([
      list(r.pods),
      list(r.nodes),
      list(r.serviceAccounts),
      list(r.policies),
      list(r.cniNodes),
    ]);
    return { pods, nodes, serviceAccounts, policies, cniNodes };
  }

  async #startWithoutList(session: WatchSession): Promise<void> {
    const clock = this.#options.clock ?? new SystemClock();
    for (let attempt = 1; !session.isStopped(); attempt++) {
      try {
        const baseline = await this.#listBaseline();
        if (!session.isStopped()) session.start(baseline);
        return;
      } catch (error) {
        if (AllocatorError.is(error)) this.#options.onWatchError?.(error);
        await clock.sleep(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7))).catch(() => undefined);
      }
    }
  }

  async #getOrNull(path: string, operation: string): Promise<unknown> {
    try {
      return await this.#transport.request({ method: 'GET', path, operation });
    } catch (error) {
      if (kubernetesFailureOf(error)?.httpStatus === 404) return null;
      throw error;
    }
  }

  #checkOpen(method: string): void {
    if (this.#closed) throw new AllocatorError('Aborted', `KubernetesClusterApi.${method}: closed`);
  }
}

/** The watches of one `watch()` call, and how their changes become `ClusterChange`s. */
class WatchSession {
  readonly #resources: ResourceTable;
  readonly #optionsFor: WatchOptionsFor;
  readonly #listener: (change: ClusterChange) => void;
  readonly #watches: ResourceWatch<unknown>[] = [];
  #optedIn = new Set<string>();
  #nodes: ResourceWatch<ClusterNode> | null = null;
  #stopped = false;

  /** Whether `stop()` was called. */
  isStopped(): boolean {
    return this.#stopped;
  }

  constructor(
    resources: ResourceTable,
    optionsFor: WatchOptionsFor,
    listener: (change: ClusterChange) => void,
  ) {
    this.#resources = resources;
    this.#optionsFor = optionsFor;
    this.#listener = listener;
  }

  start(baseline: Baseline): void {
    const r = this.#resources;
    const optionsFor = this.#optionsFor;
    this.#add(
      new ResourceWatch(
        r.pods,
        baseline.pods,
        optionsFor<ClusterPod>((c) => {
          this.#emit({ kind: 'Pod', type: c.type, pod: c.value });
        }),
      ),
    );
    if (baseline.nodes !== null) {
      this.#optedIn = optedInNodes(baseline.cniNodes);
      const nodes = new ResourceWatch(
        r.nodes,
        baseline.nodes,
        optionsFor<ClusterNode>((c) => {
          this.#emit({
            kind: 'Node',
            type: c.type,
            node: withCniNodeOptIn(c.value, this.#optedIn.has(c.value.name)),
          });
        }),
      );
      this.#nodes = nodes;
      this.#add(nodes);
    }
    if (baseline.serviceAccounts !== null) {
      this.#add(
        new ResourceWatch(
          r.serviceAccounts,
          baseline.serviceAccounts,
          optionsFor<ClusterServiceAccount>((c) => {
            this.#emit({ kind: 'ServiceAccount', type: c.type, serviceAccount: c.value });
          }),
        ),
      );
    }
    if (baseline.policies !== null) {
      this.#add(
        new ResourceWatch(
          r.policies,
          baseline.policies,
          optionsFor<unknown>((c) => {
            const metadata = objectAt(c.value, 'metadata');
            this.#emit({
              kind: 'SecurityGroupPolicy',
              type: c.type,
              policy: c.value,
              namespace: stringAt(metadata, 'namespace') ?? '',
              name: stringAt(metadata, 'name') ?? '',
            });
          }),
        ),
      );
    }
    if (baseline.cniNodes !== null) {
      this.#add(
        new ResourceWatch(
          r.cniNodes,
          baseline.cniNodes,
          optionsFor<CniNodeFacts>((c) => {
            this.#onCniNode(c);
          }),
        ),
      );
    }
    if (this.#stopped) return;
    for (const watch of this.#watches) watch.start();
  }

  stop(): void {
    this.#stopped = true;
    for (const watch of this.#watches) watch.stop();
  }

  stats(): Record<string, ResourceWatchStats> {
    const out: Record<string, ResourceWatchStats> = {};
    for (const watch of this.#watches) out[watch.resourceName] = watch.stats();
    return out;
  }

  #add<T>(watch: ResourceWatch<T>): void {
    this.#watches.push(watch as ResourceWatch<unknown>);
  }

  /** A CNINode change flips the node's opt-in: report the node again when it is known. */
  #onCniNode(change: ObjectChange<CniNodeFacts>): void {
    const { name } = change.value;
    const optedIn = change.type === 'upsert' && change.value.optedIn;
    if (optedIn === this.#optedIn.has(name)) return;
    if (optedIn) this.#optedIn.add(name);
    else this.#optedIn.delete(name);
    const node = this.#nodes?.objects().get(name);
    if (node !== undefined) {
      this.#emit({ kind: 'Node', type: 'upsert', node: withCniNodeOptIn(node.value, optedIn) });
    }
  }

  #emit(change: ClusterChange): void {
    if (this.#stopped) return;
    try {
      this.#listener(change);
    } catch (error) {
      // A listener bug must surface, but not stop the watch.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function values<T>(snapshot: ResourceSnapshot<T> | null): T[] {
  return snapshot === null ? [] : [...snapshot.objects.values()].map((cached) => cached.value);
}

function optedInNodes(snapshot: ResourceSnapshot<CniNodeFacts> | null): Set<string> {
  const names = new Set<string>();
  for (const facts of values(snapshot)) if (facts.optedIn) names.add(facts.name);
  return names;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function leasePath(namespace: string, name: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${segment(namespace)}/leases/${segment(name)}`;
}

function leaseSpecBody(spec: LeaseSpec): Record<string, unknown> {
  if (!Number.isInteger(spec.leaseDurationSeconds) || spec.leaseDurationSeconds <= 0) {
    throw new AllocatorError(
      'Invalid',
      `lease spec: leaseDurationSeconds ${spec.leaseDurationSeconds} is not a whole number > 0`,
    );
  }
  return {
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: spec.acquireTime,
    renewTime: spec.renewTime,
    leaseTransitions: spec.leaseTransitions,
  };
}

function leaseRecord(raw: unknown, what: string): LeaseRecord {
  const resourceVersion = stringAt(objectAt(raw, 'metadata'), 'resourceVersion');
  if (resourceVersion === undefined) {
    throw new AllocatorError('Transient', `${what}: the reply has no metadata.resourceVersion`, {
      code: 'MalformedResponse',
    });
  }
  const spec = objectAt(raw, 'spec') ?? {};
  const duration = spec['leaseDurationSeconds'];
  const transitions = spec['leaseTransitions'];
  return {
    holderIdentity: stringAt(spec, 'holderIdentity') ?? null,
    leaseDurationSeconds: typeof duration === 'number' ? duration : 0,
    acquireTime: stringAt(spec, 'acquireTime') ?? null,
    renewTime: stringAt(spec, 'renewTime') ?? null,
    leaseTransitions: typeof transitions === 'number' ? transitions : 0,
    resourceVersion,
  };
}
