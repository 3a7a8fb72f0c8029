import {
  AllocatorError,
  HAS_TRUNK_ATTACHED_LABEL,
  parseReleasedBranches,
  POD_ENI_RESOURCE,
  RELEASED_BRANCHES_ANNOTATION,
} from '@podsg/allocator';
import type {
  ClusterApi,
  ClusterChange,
  ClusterEvent,
  ClusterNode,
  ClusterPod,
  ClusterServiceAccount,
  ClusterSnapshot,
  Clock,
} from '@podsg/allocator';
import {
  applyJsonPatch,
  decodeJsonPatch,
  parseSecurityGroupPolicy,
  PolicyIndex,
  reviewPodAnnotations,
  reviewPodMutation,
  reviewSecurityGroupPolicy,
  validateDnsLabel,
  validateDnsSubdomain,
} from '@podsg/policy';
import type { AdmissionOperation, AdmissionRequest, AdmissionReview } from '@podsg/policy';
import {
  integerQuantity,
  isJsonObject,
  objectAt,
  podResourceRequest,
  stringAt,
  stringMapAt,
} from '../internal/kubernetesObjects.js';
import type { KubernetesObject as JsonObject } from '../models/KubernetesObject.js';
import type { FakeClusterEvent } from '../models/FakeClusterEvent.js';
import type {
  ClusterApiMethod,
  ClusterFaultRule,
  FakeClusterOptions,
} from '../models/FakeClusterOptions.js';
import type { FakeNodeState } from '../models/FakeNodeState.js';
import type { FakeClusterObjectChange, FakeResource } from '../models/FakeClusterObjectChange.js';
import type { FakePodState } from '../models/FakePodState.js';
import { SeededRandom } from './SeededRandom.js';

/** The HTTP status an injected fault of each kind stands for. */
const FAULT_CODES = { Transient: '503', Throttled: '429', Unauthorized: '401', Conflict: '409' };
const DEFAULT_CONTROLLER = 'system:serviceaccount:kube-system:podsg-controller';
const SCHEDULER = 'default-scheduler';
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
type PodPhase = ClusterPod['phase'];
const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

interface PodRecord {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  manifest: JsonObject;
  resourceVersion: string;
  podEniRequest: number;
  /** Counted in its node's usage (bound, not finished, not removed). */
  counted: boolean;
  createdAt: number;
  scheduledAt: number | null;
  removedAt: number | null;
  annotatedAt: Record<string, number>;
  lastSchedulingFailure: string | null;
}

interface NodeRecord {
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  instanceId: string | null;
  providerId: string | null;
  resourceVersion: string;
  createdAt: number;
  capacity: Record<string, number>;
  /** Capacity entries that are not whole numbers (`cpu: 500m`, `memory: 8Gi`), as written. */
  otherCapacity: Record<string, string>;
  podCount: number;
  podEniInUse: number;
}

interface Watcher {
  listener: (change: ClusterChange) => void;
  queue: ClusterChange[];
  head: number;
  scheduled: boolean;
  active: boolean;
}

/**
 * An in-memory Kubernetes API server for podsg: pods, nodes, service accounts,
 * SecurityGroupPolicies and events, with a cluster-wide resourceVersion, UID preconditions,
 * ordered asynchronous watches, podsg's admission webhooks (from `@podsg/policy`) and a
 * minimal scheduler that honours `vpc.amazonaws.com/pod-eni` capacity.
 *
 * The `ClusterApi` methods act as the controller; the other public methods drive the cluster
 * the way users, kubelets and the scheduler would. Inputs are Kubernetes-shaped objects, so a
 * scenario's YAML can be applied as is.
 */
export class FakeCluster implements ClusterApi {
  readonly #clock: Clock;
  readonly #random: SeededRandom;
  readonly #controllerUsername: string;
  readonly #controllerUsernames: readonly string[];
  readonly #admission: boolean;
  readonly #schedulerEnabled: boolean;
  readonly #schedulingDelayMs: number;
  readonly #podTerminationMs: number;
  #revision = 0;
  readonly #podRecords = new Map<string, PodRecord>();
  readonly #removedPods: PodRecord[] = [];
  readonly #nodeRecords = new Map<string, NodeRecord>();
  readonly #serviceAccountRecords = new Map<string, ClusterServiceAccount>();
  readonly #serviceAccountManifests = new Map<string, JsonObject>();
  /** Objects of the kinds the cluster does not model, by resource key, then `namespace/name`. */
  readonly #genericObjects = new Map<string, Map<string, JsonObject>>();
  readonly #objectRandom: SeededRandom;
  readonly #eventObjectLimit: number;
  readonly #timeOrigin: number;
  #changeLimit = 0;
  /** Changes with a resourceVersion above this one are all in `changeLog`. */
  #changeLogOrigin = 0;
  #changeLog: FakeClusterObjectChange[] = [];
  readonly #objectListeners = new Set<(change: FakeClusterObjectChange) => void>();
  readonly #lastSnapshots = new Map<string, JsonObject>();
  readonly #policyObjects = new Map<string, JsonObject>();
  readonly #policyIndex = new PolicyIndex();
  readonly #eventLog: FakeClusterEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  /** Changes since the last `list()`, replayed to watches that start later; null before any list. */
  #changesSinceList: ClusterChange[] | null = null;
  readonly #pending = new Set<string>();
  #schedulingQueued = false;
  #faultRules: readonly ClusterFaultRule[];
  readonly #faultRandom: SeededRandom;

  constructor(options: FakeClusterOptions) {
    this.#clock = options.clock;
    this.#random = new SeededRandom(options.seed ?? 1).fork('cluster');
    this.#controllerUsername = options.controllerUsername ?? DEFAULT_CONTROLLER;
    this.#controllerUsernames = options.controllerUsernames ?? [this.#controllerUsername];
    this.#admission = options.admission ?? true;
    this.#schedulerEnabled = options.scheduler ?? true;
    this.#schedulingDelayMs = nonNegative('schedulingDelayMs', options.schedulingDelayMs ?? 0);
    this.#podTerminationMs = nonNegative('podTerminationMs', options.podTerminationMs ?? 1000);
    this.#faultRandom = new SeededRandom(options.seed ?? 1).fork('cluster-faults');
    this.#faultRules = validateFaults(options.faults ?? []);
    // Its own stream: objects served over the wire must not shift the simulations' UIDs.
    this.#objectRandom = new SeededRandom(options.seed ?? 1).fork('cluster-objects');
    this.#eventObjectLimit = nonNegative('eventObjectLimit', options.eventObjectLimit ?? 10_000);
    this.#timeOrigin = options.timeOrigin ?? 0;
    if (!Number.isFinite(this.#timeOrigin)) {
      throw new AllocatorError(
        'Invalid',
        `FakeCluster option timeOrigin: ${this.#timeOrigin} is not finite`,
      );
    }
  }

  /** Replaces the injected `ClusterApi` faults (e.g. none, before checking a quiescent state). */
  setFaults(faults: readonly ClusterFaultRule[]): void {
    this.#faultRules = validateFaults(faults);
  }

  // ---------------------------------------------------------------- ClusterApi

  /** A consistent snapshot; a `watch` registered afterwards sees every later change. */
  list(): Promise<ClusterSnapshot> {
    const fault = this.#drawFault('list');
    if (fault !== null) return Promise.reject(fault);
    this.#changesSinceList = [];
    return Promise.resolve({
      pods: [...this.#podRecords.values()].map((record) => this.#podView(record)),
      nodes: [...this.#nodeRecords.values()].map((record) => this.#clusterNodeView(record)),
      serviceAccounts: [...this.#serviceAccountRecords.values()].map((sa) => ({
        ...sa,
        labels: { ...sa.labels },
      })),
      securityGroupPolicies: [...this.#policyObjects.values()].map((p) => structuredClone(p)),
    });
  }

  /** Delivers every change since the last `list()` (or since now, without one), in order, asynchronously. */
  watch(listener: (change: ClusterChange) => void): () => void {
    const watcher: Watcher = { listener, queue: [], head: 0, scheduled: false, active: true };
    if (this.#changesSinceList !== null) watcher.queue.push(...this.#changesSinceList);
    this.#watchers.add(watcher);
    if (watcher.queue.length > 0) this.#scheduleDelivery(watcher);
    return () => {
      watcher.active = false;
      watcher.queue = [];
      this.#watchers.delete(watcher);
    };
  }

  /** Sets or removes annotations as the controller, if the pod's UID still matches. */
  annotatePod(
    pod: { namespace: string; name: string; uid: string },
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<void> {
    return this.#settle(() => {
      this.#throwFault('annotatePod');
      this.#writeAnnotations(
        pod.namespace,
        pod.name,
        pod.uid,
        annotations,
        this.#controllerUsername,
      );
    });
  }

  /** One pod's facts, or null when no pod has that name. */
  getPod(namespace: string, name: string): Promise<ClusterPod | null> {
    const fault = this.#drawFault('getPod');
    if (fault !== null) return Promise.reject(fault);
    const record = this.#podRecords.get(`${namespace}/${name}`);
    return Promise.resolve(record === undefined ? null : this.#podView(record));
  }

  /** Sets capacity and allocatable of an extended resource on a node. */
  setNodeCapacity(nodeName: string, resource: string, quantity: number): Promise<void> {
    return this.#settle(() => {
      this.#throwFault('setNodeCapacity');
      const node = this.#nodeRecord(nodeName);
      if (typeof resource !== 'string' || resource.length === 0) {
        throw new AllocatorError('Invalid', `setNodeCapacity ${nodeName}: resource name is empty`);
      }
      if (!Number.isInteger(quantity) || quantity < 0) {
        throw new AllocatorError(
          'Invalid',
          `setNodeCapacity ${nodeName}: quantity ${quantity} of ${resource} is not a whole number ≥ 0`,
        );
      }
      if (node.capacity[resource] === quantity) return;
      node.capacity[resource] = quantity;
      Reflect.deleteProperty(node.otherCapacity, resource);
      this.#touchNode(node);
      this.#requestScheduling();
    });
  }

  /** Stores the event with the clock time; best effort, as in Kubernetes. */
  recordEvent(event: ClusterEvent): Promise<void> {
    return this.#settle(() => {
      this.#throwFault('recordEvent');
      if (!isJsonObject(event.involvedObject) || typeof event.involvedObject.name !== 'string') {
        throw new AllocatorError('Invalid', 'recordEvent: involvedObject.name is missing');
      }
      const type: unknown = event.type;
      if (type !== 'Normal' && type !== 'Warning') {
        throw new AllocatorError(
          'Invalid',
          `recordEvent: type '${String(type)}' is not Normal or Warning`,
        );
      }
      this.#pushEvent(event, this.#controllerUsername);
    });
  }

  /** A service account's labels, or null when it does not exist. */
  serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null> {
    const fault = this.#drawFault('serviceAccountLabels');
    if (fault !== null) return Promise.reject(fault);
    const sa = this.#serviceAccountRecords.get(`${namespace}/${name}`);
    return Promise.resolve(sa === undefined ? null : { ...sa.labels });
  }

  // ---------------------------------------------------------------- driving the cluster

  /**
   * Creates a pod from a Kubernetes Pod manifest, through the mutating then the validating
   * webhook (as `username`, default `system:admin`). Resolves to the stored pod (mutated, with
   * uid and resourceVersion). Rejects with `AllocatorError`: `Invalid` for a malformed
   * manifest, `Conflict` (code `AlreadyExists`) for a taken name, `InvalidParameter` (code
   * `AdmissionDenied`) with the webhook's message when admission denies it.
   */
  async createPod(manifest: unknown, options: { username?: string } = {}): Promise<JsonObject> {
    if (!isJsonObject(manifest))
      throw new AllocatorError('Invalid', 'createPod: the pod is not an object');
    if (manifest['kind'] !== undefined && manifest['kind'] !== 'Pod') {
      throw new AllocatorError(
        'Invalid',
        `createPod: kind is ${JSON.stringify(manifest['kind'])}, not Pod`,
      );
    }
    let pod = structuredClone(manifest);
    pod['apiVersion'] = 'v1';
    pod['kind'] = 'Pod';
    const metadata = objectAt(pod, 'metadata') ?? {};
    pod['metadata'] = metadata;
    const namespace = stringAt(metadata, 'namespace') ?? 'default';
    metadata['namespace'] = namespace;
    checkName('createPod', 'metadata.namespace', namespace);
    let name = stringAt(metadata, 'name');
    if (name === undefined) {
      const prefix = stringAt(metadata, 'generateName');
      if (prefix === undefined) {
        throw new AllocatorError(
          'Invalid',
          'createPod: metadata.name or metadata.generateName is required',
        );
      }
      name = prefix + this.#nameSuffix();
      metadata['name'] = name;
    }
    checkName('createPod', 'metadata.name', name);
    const spec = objectAt(pod, 'spec');
    const containers = spec?.['containers'];
    if (spec === undefined || !Array.isArray(containers) || containers.length === 0) {
      throw new AllocatorError(
        'Invalid',
        `createPod ${namespace}/${name}: spec.containers must be a non-empty list`,
      );
    }
    const key = `${namespace}/${name}`;
    if (this.#podRecords.has(key)) {
      throw new AllocatorError(
        'Conflict',
        `createPod: pods "${name}" already exists in ${namespace}`,
        { code: 'AlreadyExists' },
      );
    }
    const username = options.username ?? 'system:admin';
    if (this.#admission) {
      const mutated = await reviewPodMutation(admissionReview('CREATE', pod, undefined, username), {
        policies: this.#policyIndex,
        // The webhook reads the cluster directly: faults injected into the controller's
        // ClusterApi calls must not reach admission.
        serviceAccountLabels: (ns, sa) => {
          const found = this.#serviceAccountRecords.get(`${ns}/${sa}`);
          return Promise.resolve(found === undefined ? null : { ...found.labels });
        },
      });
      const response = deniedOrResponse(mutated, 'pod-sg-mutation.podsg.io');
      if (response.patch !== undefined) {
        pod = applyJsonPatch(pod, decodeJsonPatch(response.patch)) as JsonObject;
      }
      deniedOrResponse(
        reviewPodAnnotations(admissionReview('CREATE', pod, undefined, username), {
          controllerUsernames: this.#controllerUsernames,
        }),
        'pod-eni-annotation.podsg.io',
      );
    }
    // The webhooks are asynchronous: the name may have been taken meanwhile.
    if (this.#podRecords.has(key)) {
      throw new AllocatorError(
        'Conflict',
        `createPod: pods "${name}" already exists in ${namespace}`,
        { code: 'AlreadyExists' },
      );
    }
    const podEniRequest = podResourceRequest(objectAt(pod, 'spec'), POD_ENI_RESOURCE);
    if (Number.isNaN(podEniRequest)) {
      throw new AllocatorError(
        'Invalid',
        `createPod ${key}: ${POD_ENI_RESOURCE} must be a whole number`,
      );
    }
    const now = this.#clock.now();
    const record: PodRecord = {
      key,
      namespace,
      name,
      uid: this.#newUid(),
      manifest: pod,
      resourceVersion: '',
      podEniRequest,
      counted: false,
      createdAt: now,
      scheduledAt: null,
      removedAt: null,
      annotatedAt: {},
      lastSchedulingFailure: null,
    };
    const finalMetadata = objectAt(pod, 'metadata') ?? {};
    pod['metadata'] = finalMetadata;
    finalMetadata['uid'] = record.uid;
    finalMetadata['creationTimestamp'] = new Date(this.#timeOrigin + now).toISOString();
    for (const annotation of Object.keys(stringMapAt(finalMetadata, 'annotations'))) {
      record.annotatedAt[annotation] = now;
    }
    const status = objectAt(pod, 'status') ?? {};
    pod['status'] = status;
    const phase = status['phase'];
    if (!PHASES.includes(phase as PodPhase)) status['phase'] = 'Pending';
    this.#podRecords.set(key, record);
    record.resourceVersion = this.#bump();
    finalMetadata['resourceVersion'] = record.resourceVersion;
    const nodeName = stringAt(objectAt(pod, 'spec'), 'nodeName');
    if (nodeName !== undefined) {
      record.scheduledAt = now;
      this.#updateUsage(record);
    } else if (this.#isSchedulable(record)) {
      this.#pending.add(key);
      this.#requestScheduling();
    }
    this.#emit({ kind: 'Pod', type: 'upsert', pod: this.#podView(record) });
    this.#recordChange('pods', 'ADDED', () => record.manifest);
    return structuredClone(pod);
  }

  /**
   * Deletes a pod gracefully: it turns terminating at once and is removed after
   * min(grace period, `podTerminationMs`); `gracePeriodSeconds: 0` removes it at once.
   * Rejects with `NotFound` for an unknown pod.
   */
  deletePod(
    namespace: string,
    name: string,
    options: { gracePeriodSeconds?: number } = {},
  ): Promise<void> {
    return this.#settle(() => {
      const record = this.#podRecord(namespace, name);
      const specGrace = objectAt(record.manifest, 'spec')?.['terminationGracePeriodSeconds'];
      const grace = options.gracePeriodSeconds ?? (typeof specGrace === 'number' ? specGrace : 30);
      if (!(grace >= 0)) {
        throw new AllocatorError(
          'Invalid',
          `deletePod ${namespace}/${name}: gracePeriodSeconds ${grace} is negative`,
        );
      }
      const delay = Math.min(grace * 1000, this.#podTerminationMs);
      const metadata = objectAt(record.manifest, 'metadata') ?? {};
      if (delay === 0 || (metadata['deletionTimestamp'] !== undefined && grace === 0)) {
        this.#removePod(record);
        return;
      }
      if (metadata['deletionTimestamp'] !== undefined) return;
      metadata['deletionTimestamp'] = new Date(this.#timeOrigin + this.#clock.now()).toISOString();
      metadata['deletionGracePeriodSeconds'] = grace;
      this.#pending.delete(record.key);
      this.#touch(record);
      void this.#clock.sleep(delay).then(() => {
        if (this.#podRecords.get(record.key) === record) this.#removePod(record);
      });
    });
  }

  /**
   * Sets a pod's phase as its kubelet would; `Succeeded` and `Failed` free its node's
   * resources. Rejects with `NotFound` for an unknown pod.
   */
  setPodPhase(namespace: string, name: string, phase: PodPhase): Promise<void> {
    return this.#settle(() => {
      const record = this.#podRecord(namespace, name);
      if (!PHASES.includes(phase)) {
        throw new AllocatorError(
          'Invalid',
          `setPodPhase ${namespace}/${name}: phase '${phase}' is unknown`,
        );
      }
      const status = objectAt(record.manifest, 'status') ?? {};
      record.manifest['status'] = status;
      if (status['phase'] === phase) return;
      status['phase'] = phase;
      if (!this.#isSchedulable(record)) this.#pending.delete(record.key);
      this.#updateUsage(record);
      this.#touch(record);
      this.#requestScheduling(); // a finished pod frees its node's resources
    });
  }

  /**
   * Writes annotations as `username` through the annotation webhook (only controller users
   * may touch `vpc.amazonaws.com/pod-eni`). Rejects with `InvalidParameter` (code
   * `AdmissionDenied`) when denied, `NotFound` for an unknown pod.
   */
  setPodAnnotations(
    namespace: string,
    name: string,
    annotations: Readonly<Record<string, string | null>>,
    options: { username?: string } = {},
  ): Promise<void> {
    return this.#settle(() => {
      const record = this.#podRecord(namespace, name);
      this.#writeAnnotations(
        namespace,
        name,
        record.uid,
        annotations,
        options.username ?? 'system:admin',
      );
    });
  }

  /**
   * Registers a node (an EC2 instance when `instanceId` is given) with the usual labels
   * (`node.kubernetes.io/instance-type`, `kubernetes.io/hostname`, `kubernetes.io/os`).
   * Throws `Conflict` when the name is taken.
   */
  addNode(spec: {
    name: string;
    instanceId?: string | null;
    instanceType?: string;
    labels?: Readonly<Record<string, string>>;
    zone?: string;
    /** `spec.providerID`; default `aws:///<zone>/<instanceId>` for an EC2 node. */
    providerId?: string;
  }): ClusterNode {
    checkName('addNode', 'name', spec.name);
    if (this.#nodeRecords.has(spec.name)) {
      throw new AllocatorError('Conflict', `addNode: nodes "${spec.name}" already exists`, {
        code: 'AlreadyExists',
      });
    }
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': spec.name,
      'kubernetes.io/os': 'linux',
      ...(spec.instanceType === undefined
        ? {}
        : { 'node.kubernetes.io/instance-type': spec.instanceType }),
      ...(spec.zone === undefined ? {} : { 'topology.kubernetes.io/zone': spec.zone }),
      ...spec.labels,
    };
    const instanceId = spec.instanceId ?? null;
    const node: NodeRecord = {
      name: spec.name,
      uid: this.#newUid(),
      labels,
      annotations: {},
      instanceId,
      providerId:
        spec.providerId ??
        (instanceId === null ? null : `aws:///${spec.zone ?? 'unknown'}/${instanceId}`),
      resourceVersion: '',
      createdAt: this.#timeOrigin + this.#clock.now(),
      capacity: {},
      otherCapacity: {},
      podCount: 0,
      podEniInUse: 0,
    };
    this.#nodeRecords.set(node.name, node);
    node.resourceVersion = this.#bump();
    for (const record of this.#podRecords.values()) {
      if (this.#nodeNameOf(record) === node.name) this.#updateUsage(record);
    }
    this.#emit({ kind: 'Node', type: 'upsert', node: this.#clusterNodeView(node) });
    this.#recordChange('nodes', 'ADDED', () => nodeManifest(node));
    this.#requestScheduling();
    return nodeView(node);
  }

  /** Sets (string) or removes (null) node labels, e.g. `vpc.amazonaws.com/has-trunk-attached`. */
  labelNode(name: string, labels: Readonly<Record<string, string | null>>): void {
    const node = this.#nodeRecord(name);
    let changed = false;
    for (const [key, value] of Object.entries(labels)) {
      if (value === null ? key in node.labels : node.labels[key] !== value) changed = true;
      if (value === null) Reflect.deleteProperty(node.labels, key);
      else node.labels[key] = value;
    }
    if (!changed) return;
    this.#touchNode(node);
    this.#requestScheduling();
  }

  /**
   * Sets (string) or removes (null) node annotations, as a merge patch of the node agent would
   * (e.g. `podsg.io/released-branches`). Throws `NotFound` for an unknown node.
   */
  annotateNode(name: string, annotations: Readonly<Record<string, string | null>>): void {
    const node = this.#nodeRecord(name);
    let changed = false;
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null ? key in node.annotations : node.annotations[key] !== value)
        changed = true;
      if (value === null) Reflect.deleteProperty(node.annotations, key);
      else node.annotations[key] = value;
    }
    if (!changed) return;
    this.#touchNode(node);
  }

  /** Removes a node; its pods are removed with it (as the pod garbage collector would). */
  deleteNode(name: string): void {
    const node = this.#nodeRecord(name);
    for (const record of [...this.#podRecords.values()]) {
      if (this.#nodeNameOf(record) === name) this.#removePod(record);
    }
    this.#nodeRecords.delete(name);
    node.resourceVersion = this.#bump();
    this.#emit({ kind: 'Node', type: 'delete', node: this.#clusterNodeView(node) });
    this.#recordChange('nodes', 'DELETED', () => nodeManifest(node));
  }

  /** Creates or replaces a ServiceAccount from its manifest (`metadata.name/namespace/labels`). */
  applyServiceAccount(manifest: unknown): ClusterServiceAccount {
    const metadata = objectAt(manifest, 'metadata');
    const name = stringAt(metadata, 'name');
    const namespace = stringAt(metadata, 'namespace') ?? 'default';
    if (name === undefined)
      throw new AllocatorError('Invalid', 'applyServiceAccount: metadata.name is required');
    checkName('applyServiceAccount', 'metadata.name', name);
    checkName('applyServiceAccount', 'metadata.namespace', namespace);
    const sa: ClusterServiceAccount = { namespace, name, labels: stringMapAt(metadata, 'labels') };
    const key = `${namespace}/${name}`;
    const existing = this.#serviceAccountManifests.get(key);
    const stored: JsonObject = { ...structuredClone(manifest as JsonObject) };
    stored['apiVersion'] = 'v1';
    stored['kind'] = 'ServiceAccount';
    const storedMetadata: JsonObject = { ...metadata, namespace, name };
    if (Object.keys(sa.labels).length > 0) storedMetadata['labels'] = { ...sa.labels };
    else Reflect.deleteProperty(storedMetadata, 'labels');
    storedMetadata['uid'] = stringAt(objectAt(existing, 'metadata'), 'uid') ?? this.#objectUid();
    storedMetadata['creationTimestamp'] =
      stringAt(objectAt(existing, 'metadata'), 'creationTimestamp') ?? this.#timestamp();
    stored['metadata'] = storedMetadata;
    this.#serviceAccountRecords.set(key, sa);
    this.#serviceAccountManifests.set(key, stored);
    storedMetadata['resourceVersion'] = this.#bump();
    this.#recordChange(
      'serviceaccounts',
      existing === undefined ? 'ADDED' : 'MODIFIED',
      () => stored,
    );
    this.#emit({
      kind: 'ServiceAccount',
      type: 'upsert',
      serviceAccount: { ...sa, labels: { ...sa.labels } },
    });
    return { ...sa, labels: { ...sa.labels } };
  }

  /** Deletes a ServiceAccount; false when it did not exist. */
  deleteServiceAccount(namespace: string, name: string): boolean {
    const sa = this.#serviceAccountRecords.get(`${namespace}/${name}`);
    if (sa === undefined) return false;
    this.#serviceAccountRecords.delete(`${namespace}/${name}`);
    const stored = this.#serviceAccountManifests.get(`${namespace}/${name}`) ?? {};
    this.#serviceAccountManifests.delete(`${namespace}/${name}`);
    const deletedAt = this.#bump();
    this.#recordChange('serviceaccounts', 'DELETED', () => withResourceVersion(stored, deletedAt));
    this.#emit({ kind: 'ServiceAccount', type: 'delete', serviceAccount: sa });
    return true;
  }

  /**
   * Creates or replaces a SecurityGroupPolicy through the validating webhook. Throws
   * `InvalidParameter` (code `AdmissionDenied`) naming every invalid field. With
   * `skipAdmission` an invalid policy is stored anyway (a webhook that was down), for testing
   * how consumers cope; it then resolves no groups here.
   */
  applyPolicy(manifest: unknown, options: { skipAdmission?: boolean } = {}): JsonObject {
    if (!isJsonObject(manifest))
      throw new AllocatorError('Invalid', 'applyPolicy: the policy is not an object');
    const policy = structuredClone(manifest);
    const metadata = objectAt(policy, 'metadata') ?? {};
    policy['metadata'] = metadata;
    const name = stringAt(metadata, 'name');
    const namespace = stringAt(metadata, 'namespace') ?? 'default';
    metadata['namespace'] = namespace;
    if (name === undefined)
      throw new AllocatorError('Invalid', 'applyPolicy: metadata.name is required');
    const key = `${namespace}/${name}`;
    const existing = this.#policyObjects.get(key);
    if (this.#admission && options.skipAdmission !== true) {
      deniedOrResponse(
        reviewSecurityGroupPolicy(
          admissionReview(
            existing === undefined ? 'CREATE' : 'UPDATE',
            policy,
            existing,
            'system:admin',
            policyResource,
          ),
        ),
        'sgp-validation.podsg.io',
      );
    }
    metadata['uid'] = stringAt(objectAt(existing, 'metadata'), 'uid') ?? this.#newUid();
    metadata['creationTimestamp'] =
      stringAt(objectAt(existing, 'metadata'), 'creationTimestamp') ?? this.#timestamp();
    metadata['resourceVersion'] = this.#bump();
    try {
      this.#policyIndex.upsert(parseSecurityGroupPolicy(policy));
    } catch {
      this.#policyIndex.remove(namespace, name);
    }
    this.#policyObjects.set(key, policy);
    this.#recordChange(POLICIES, existing === undefined ? 'ADDED' : 'MODIFIED', () => policy);
    this.#emit({
      kind: 'SecurityGroupPolicy',
      type: 'upsert',
      policy: structuredClone(policy),
      namespace,
      name,
    });
    return structuredClone(policy);
  }

  /** Deletes a SecurityGroupPolicy; false when it did not exist. */
  deletePolicy(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const policy = this.#policyObjects.get(key);
    if (policy === undefined) return false;
    this.#policyObjects.delete(key);
    this.#policyIndex.remove(namespace, name);
    const deletedAt = this.#bump();
    this.#recordChange(POLICIES, 'DELETED', () => withResourceVersion(policy, deletedAt));
    this.#emit({
      kind: 'SecurityGroupPolicy',
      type: 'delete',
      policy: structuredClone(policy),
      namespace,
      name,
    });
    return true;
  }

  /**
   * Applies a Kubernetes object by kind: Pod (created), ServiceAccount, SecurityGroupPolicy.
   * Rejects with `Invalid` for other kinds.
   */
  async applyObject(manifest: unknown): Promise<JsonObject> {
    const kind = isJsonObject(manifest) ? manifest['kind'] : undefined;
    switch (kind) {
      case 'Pod':
        return this.createPod(manifest);
      case 'ServiceAccount':
        return { ...this.applyServiceAccount(manifest) };
      case 'SecurityGroupPolicy':
        return this.applyPolicy(manifest);
      default:
        throw new AllocatorError(
          'Invalid',
          `applyObject: kind '${String(kind)}' is not Pod, ServiceAccount or SecurityGroupPolicy`,
        );
    }
  }

  // ---------------------------------------------------------------- object API (for the wire server)

  /**
   * Every object of `resource`, as stored: copies, or with `shared` the stored objects
   * themselves, which the caller must not change or keep. Pods, nodes, service accounts and
   * SecurityGroupPolicies come from the model; other resources from the generic store.
   */
  listObjects(resource: FakeResource, options: { shared?: boolean } = {}): JsonObject[] {
    // Shared: the stored objects themselves, for a caller that only reads them at once (the
    // wire server serializes 100,000 pods per list; copying them first doubled its cost).
    const copy =
      options.shared === true ? (o: JsonObject) => o : (o: JsonObject) => structuredClone(o);
    switch (resourceKey(resource)) {
      case 'pods':
        return [...this.#podRecords.values()].map((r) => copy(r.manifest));
      case 'nodes':
        return [...this.#nodeRecords.values()].map((n) => nodeManifest(n));
      case 'serviceaccounts':
        return [...this.#serviceAccountManifests.values()].map(copy);
      case POLICIES:
        return [...this.#policyObjects.values()].map(copy);
      default:
        return [...(this.#genericObjects.get(resourceKey(resource))?.values() ?? [])].map(copy);
    }
  }

  /** One object of `resource` (a copy), or null. `namespace` is ignored for cluster-scoped ones. */
  getObject(resource: FakeResource, namespace: string | null, name: string): JsonObject | null {
    const key = resource.namespaced ? `${namespace ?? ''}/${name}` : name;
    switch (resourceKey(resource)) {
      case 'pods':
        return this.podManifest(namespace ?? '', name);
      case 'nodes': {
        const node = this.#nodeRecords.get(name);
        return node === undefined ? null : nodeManifest(node);
      }
      case 'serviceaccounts': {
        const sa = this.#serviceAccountManifests.get(key);
        return sa === undefined ? null : structuredClone(sa);
      }
      case POLICIES: {
        const policy = this.#policyObjects.get(key);
        return policy === undefined ? null : structuredClone(policy);
      }
      default: {
        const found = this.#genericObjects.get(resourceKey(resource))?.get(key);
        return found === undefined ? null : structuredClone(found);
      }
    }
  }

  /**
   * Creates an object of `resource` as `username` would through the API server: a pod goes
   * through `createPod` (admission, scheduling), a node through `addNode`, others are stored
   * with a new uid, creationTimestamp and resourceVersion. Rejects with `AllocatorError`:
   * `Conflict` (code `AlreadyExists`), `Invalid` naming the field, `InvalidParameter` (code
   * `AdmissionDenied`).
   */
  async createObject(
    resource: FakeResource,
    manifest: JsonObject,
    options: { username?: string } = {},
  ): Promise<JsonObject> {
    const key = resourceKey(resource);
    if (key === 'pods') return this.createPod(manifest, options);
    const { namespace, name } = this.#objectIdentity(resource, manifest, 'create');
    if (this.getObject(resource, namespace, name) !== null) {
      throw new AllocatorError(
        'Conflict',
        `${resource.resource} "${name}" already exists${namespace === null ? '' : ` in ${namespace}`}`,
        { code: 'AlreadyExists' },
      );
    }
    switch (key) {
      case 'nodes':
        return this.#createNodeObject(manifest, name);
      case 'serviceaccounts':
        this.applyServiceAccount({
          ...manifest,
          metadata: { ...objectAt(manifest, 'metadata'), name },
        });
        return this.getObject(resource, namespace, name) ?? {};
      case POLICIES:
        return this.applyPolicy({
          ...manifest,
          metadata: { ...objectAt(manifest, 'metadata'), name },
        });
      default: {
        const stored = structuredClone(manifest);
        const metadata = { ...objectAt(stored, 'metadata') };
        stored['metadata'] = metadata;
        metadata['name'] = name;
        Reflect.deleteProperty(metadata, 'generateName');
        if (namespace !== null) metadata['namespace'] = namespace;
        else Reflect.deleteProperty(metadata, 'namespace');
        metadata['uid'] = this.#objectUid();
        metadata['creationTimestamp'] = this.#timestamp();
        metadata['generation'] = 1;
        Reflect.deleteProperty(metadata, 'deletionTimestamp');
        if (isEventResource(resource))
          this.#logEventObject(stored, options.username ?? 'system:admin');
        return structuredClone(this.#storeGeneric(resource, stored));
      }
    }
  }

  /**
   * Replaces an object (PUT), or only its status with `subresource: 'status'`. A
   * `metadata.resourceVersion` or `metadata.uid` in the manifest is a precondition (`Conflict`).
   * Pods may change labels, annotations (through the annotation webhook), container images and,
   * through status, their phase; nodes labels, annotations and, through status, capacity.
   * Resolves to the stored object; an update that changes nothing keeps the resourceVersion.
   */
  replaceObject(
    resource: FakeResource,
    manifest: JsonObject,
    options: { username?: string; subresource?: 'status' } = {},
  ): Promise<JsonObject> {
    return this.#settleWith(() => {
      const metadata = objectAt(manifest, 'metadata');
      const name = stringAt(metadata, 'name');
      if (name === undefined) throw invalid(resource, '', 'metadata.name', 'Required value');
      const namespace = resource.namespaced ? (stringAt(metadata, 'namespace') ?? null) : null;
      const current = this.getObject(resource, namespace, name);
      if (current === null) throw notFound(resource, name, namespace);
      checkPreconditions(resource, current, {
        uid: stringAt(metadata, 'uid'),
        resourceVersion: stringAt(metadata, 'resourceVersion'),
      });
      const username = options.username ?? 'system:admin';
      switch (resourceKey(resource)) {
        case 'pods':
          return this.#replacePod(
            this.#podRecord(namespace ?? '', name),
            manifest,
            options.subresource,
            username,
          );
        case 'nodes':
          return this.#replaceNode(this.#nodeRecord(name), manifest, options.subresource);
        case 'serviceaccounts':
          if (jsonEqual(withoutVolatile(current), withoutVolatile(manifest))) return current;
          this.applyServiceAccount(manifest);
          return this.getObject(resource, namespace, name) ?? {};
        case POLICIES:
          if (jsonEqual(withoutVolatile(current), withoutVolatile(manifest))) return current;
          return this.applyPolicy(manifest);
        default:
          return this.#replaceGeneric(resource, current, manifest, options.subresource);
      }
    });
  }

  /**
   * Deletes an object with optional preconditions (`uid`, `resourceVersion`: `Conflict`). Pods
   * terminate gracefully (`gracePeriodSeconds`); objects with finalizers get a
   * `deletionTimestamp` and stay until their finalizers are removed. Resolves to the object as
   * deleted (or as now terminating).
   */
  async deleteObject(
    resource: FakeResource,
    namespace: string | null,
    name: string,
    options: { gracePeriodSeconds?: number; uid?: string; resourceVersion?: string } = {},
  ): Promise<JsonObject> {
    const current = this.getObject(resource, namespace, name);
    if (current === null) throw notFound(resource, name, namespace);
    checkPreconditions(resource, current, options);
    if (resourceKey(resource) === 'pods') {
      const grace = options.gracePeriodSeconds;
      await this.deletePod(
        namespace ?? '',
        name,
        grace === undefined ? {} : { gracePeriodSeconds: grace },
      );
      return (
        this.podManifest(namespace ?? '', name) ??
        withResourceVersion(current, this.resourceVersion)
      );
    }
    return this.#settleWith(() => {
      switch (resourceKey(resource)) {
        case 'nodes':
          this.deleteNode(name);
          return withResourceVersion(current, this.resourceVersion);
        case 'serviceaccounts':
          this.deleteServiceAccount(namespace ?? '', name);
          return withResourceVersion(current, this.resourceVersion);
        case POLICIES:
          this.deletePolicy(namespace ?? '', name);
          return withResourceVersion(current, this.resourceVersion);
        default:
          return this.#deleteGeneric(resource, current);
      }
    });
  }

  /**
   * Keeps the last `limit` object changes for `changesSince` (0 stops keeping them). Changes
   * made before the first call are not kept: a watch from before then is told it expired.
   */
  retainChanges(limit: number): void {
    if (!(Number.isInteger(limit) && limit >= 0)) {
      throw new AllocatorError(
        'Invalid',
        `retainChanges: limit ${limit} is not a whole number ≥ 0`,
      );
    }
    if (this.#changeLimit === 0) this.#changeLogOrigin = this.#revision;
    this.#changeLimit = limit;
    this.#trimChangeLog();
  }

  /**
   * The kept changes after `resourceVersion`, oldest first, or null when some of them are no
   * longer kept (the API server's 410 Gone).
   */
  changesSince(resourceVersion: number): FakeClusterObjectChange[] | null {
    if (resourceVersion >= this.#revision) return [];
    if (resourceVersion < this.#changeLogOrigin || this.#changeLimit === 0) return null;
    let low = 0;
    let high = this.#changeLog.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#changeLog[middle]?.resourceVersion ?? 0) <= resourceVersion) low = middle + 1;
      else high = middle;
    }
    return this.#changeLog.slice(low);
  }

  /** Calls `listener` with every object change, synchronously, until the returned function is called. */
  onObjectChange(listener: (change: FakeClusterObjectChange) => void): () => void {
    this.#objectListeners.add(listener);
    return () => this.#objectListeners.delete(listener);
  }

  // ---------------------------------------------------------------- inspection

  /** The time its timestamps are written at: epoch milliseconds (`timeOrigin` + clock time). */
  now(): number {
    return this.#timeOrigin + this.#clock.now();
  }

  /** Whether the cluster runs podsg's webhooks itself (option `admission`). */
  get builtInAdmission(): boolean {
    return this.#admission;
  }

  /** The current cluster-wide resourceVersion. */
  get resourceVersion(): string {
    return String(this.#revision);
  }

  /** Live pods in creation order; with `includeRemoved`, removed ones first. */
  pods(options: { includeRemoved?: boolean } = {}): FakePodState[] {
    const records = [
      ...(options.includeRemoved === true ? this.#removedPods : []),
      ...this.#podRecords.values(),
    ];
    return records.map((record) => ({
      ...this.#podView(record),
      createdAt: record.createdAt,
      scheduledAt: record.scheduledAt,
      annotatedAt: { ...record.annotatedAt },
      removedAt: record.removedAt,
      podEniRequest: record.podEniRequest,
    }));
  }

  /** A live pod's full manifest, or null. */
  podManifest(namespace: string, name: string): JsonObject | null {
    const record = this.#podRecords.get(`${namespace}/${name}`);
    return record === undefined ? null : structuredClone(record.manifest);
  }

  /** A live pod's annotations, or null when there is no such pod. */
  podAnnotations(namespace: string, name: string): Record<string, string> | null {
    const record = this.#podRecords.get(`${namespace}/${name}`);
    return record === undefined
      ? null
      : stringMapAt(objectAt(record.manifest, 'metadata'), 'annotations');
  }

  /** Nodes with their advertised capacity and usage. */
  nodes(): FakeNodeState[] {
    return [...this.#nodeRecords.values()].map((node) => ({
      ...nodeView(node),
      annotations: { ...node.annotations },
      capacity: { ...node.capacity },
      podCount: node.podCount,
      podEniInUse: node.podEniInUse,
    }));
  }

  /** Every event recorded, by the scheduler and through `recordEvent`, in order. */
  events(): FakeClusterEvent[] {
    return this.#eventLog.map((event) => ({
      ...event,
      involvedObject: { ...event.involvedObject },
    }));
  }

  /** Raw SecurityGroupPolicy objects as stored. */
  policies(): JsonObject[] {
    return [...this.#policyObjects.values()].map((p) => structuredClone(p));
  }

  // ---------------------------------------------------------------- internals

  #drawFault(method: ClusterApiMethod): AllocatorError | null {
    for (const rule of this.#faultRules) {
      if (rule.method !== '*' && rule.method !== method) continue;
      if (this.#faultRandom.next() < rule.rate) {
        const kind = rule.kind ?? 'Transient';
        return new AllocatorError(kind, `${method}: injected ${kind} failure`, {
          code: FAULT_CODES[kind],
        });
      }
    }
    return null;
  }

  #throwFault(method: ClusterApiMethod): void {
    const fault = this.#drawFault(method);
    if (fault !== null) throw fault;
  }

  /** Runs a synchronous mutation as an API call: errors become rejections, never sync throws. */
  #settle(action: () => void): Promise<void> {
    try {
      action();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #writeAnnotations(
    namespace: string,
    name: string,
    uid: string,
    annotations: Readonly<Record<string, string | null>>,
    username: string,
  ): void {
    const record = this.#podRecords.get(`${namespace}/${name}`);
    if (record === undefined) {
      throw new AllocatorError('NotFound', `pods "${name}" not found in ${namespace}`, {
        code: 'NotFound',
      });
    }
    if (record.uid !== uid) {
      throw new AllocatorError(
        'Conflict',
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${record.uid} (pod ${namespace}/${name})`,
        { code: 'Conflict' },
      );
    }
    const metadata = objectAt(record.manifest, 'metadata') ?? {};
    const current = stringMapAt(metadata, 'annotations');
    const next = { ...current };
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null) Reflect.deleteProperty(next, key);
      else if (typeof value === 'string') next[key] = value;
      else
        throw new AllocatorError(
          'Invalid',
          `annotation ${key} of pod ${namespace}/${name} is not a string or null`,
        );
    }
    if (sameStrings(current, next)) return;
    if (this.#admission) {
      const updated = structuredClone(record.manifest);
      const updatedMetadata = objectAt(updated, 'metadata') ?? {};
      updated['metadata'] = updatedMetadata;
      updatedMetadata['annotations'] = next;
      deniedOrResponse(
        reviewPodAnnotations(admissionReview('UPDATE', updated, record.manifest, username), {
          controllerUsernames: this.#controllerUsernames,
        }),
        'pod-eni-annotation.podsg.io',
      );
    }
    metadata['annotations'] = next;
    const now = this.#clock.now();
    for (const key of Object.keys(next))
      if (current[key] !== next[key]) record.annotatedAt[key] = now;
    for (const key of Object.keys(record.annotatedAt))
      if (!(key in next)) Reflect.deleteProperty(record.annotatedAt, key);
    this.#touch(record);
  }

  #removePod(record: PodRecord): void {
    this.#podRecords.delete(record.key);
    this.#pending.delete(record.key);
    record.removedAt = this.#clock.now();
    this.#updateUsage(record);
    this.#removedPods.push(record);
    const deletedAt = this.#bump();
    this.#emit({ kind: 'Pod', type: 'delete', pod: this.#podView(record) });
    this.#recordChange('pods', 'DELETED', () => withResourceVersion(record.manifest, deletedAt));
    this.#requestScheduling();
  }

  /** Bumps the pod's resourceVersion and emits it. */
  #touch(record: PodRecord): void {
    record.resourceVersion = this.#bump();
    const metadata = objectAt(record.manifest, 'metadata');
    if (metadata !== undefined) metadata['resourceVersion'] = record.resourceVersion;
    this.#emit({ kind: 'Pod', type: 'upsert', pod: this.#podView(record) });
    this.#recordChange('pods', 'MODIFIED', () => record.manifest);
  }

  #bump(): string {
    this.#revision++;
    return String(this.#revision);
  }

  #emit(change: ClusterChange): void {
    this.#changesSinceList?.push(change);
    for (const watcher of this.#watchers) {
      watcher.queue.push(change);
      this.#scheduleDelivery(watcher);
    }
  }

  #scheduleDelivery(watcher: Watcher): void {
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    queueMicrotask(() => {
      watcher.scheduled = false;
      while (watcher.active && watcher.head < watcher.queue.length) {
        const change = watcher.queue[watcher.head++] as ClusterChange;
        try {
          watcher.listener(change);
        } catch (error) {
          // A listener bug must surface, but not stop delivery to it or to others.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      watcher.queue = [];
      watcher.head = 0;
    });
  }

  // ---------------------------------------------------------------- object API internals

  #settleWith<T>(action: () => T): Promise<T> {
    try {
      return Promise.resolve(action());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #objectIdentity(
    resource: FakeResource,
    manifest: JsonObject,
    verb: string,
  ): { namespace: string | null; name: string } {
    const metadata = objectAt(manifest, 'metadata');
    let name = stringAt(metadata, 'name');
    if (name === undefined || name === '') {
      const prefix = stringAt(metadata, 'generateName');
      if (prefix === undefined || prefix === '') {
        throw invalid(
          resource,
          '',
          'metadata.name',
          'Required value: name or generateName is required',
        );
      }
      name = prefix + this.#objectSuffix();
    }
    const problem =
      resource.resource === 'namespaces' ? validateDnsLabel(name) : validateDnsSubdomain(name);
    if (problem !== null) throw invalid(resource, name, 'metadata.name', problem);
    if (!resource.namespaced) return { namespace: null, name };
    const namespace = stringAt(metadata, 'namespace');
    if (namespace === undefined) {
      throw invalid(resource, name, 'metadata.namespace', `Required value (${verb})`);
    }
    const namespaceProblem = validateDnsLabel(namespace);
    if (namespaceProblem !== null)
      throw invalid(resource, name, 'metadata.namespace', namespaceProblem);
    return { namespace, name };
  }

  #storeGeneric(resource: FakeResource, object: JsonObject): JsonObject {
    const key = resourceKey(resource);
    let objects = this.#genericObjects.get(key);
    if (objects === undefined) {
      objects = new Map();
      this.#genericObjects.set(key, objects);
    }
    const metadata = objectAt(object, 'metadata') ?? {};
    object['metadata'] = metadata;
    const objectKey = resource.namespaced
      ? `${stringAt(metadata, 'namespace') ?? ''}/${stringAt(metadata, 'name') ?? ''}`
      : (stringAt(metadata, 'name') ?? '');
    const existed = objects.has(objectKey);
    const optedInBefore = key === CNI_NODES && this.#cniNodeOptsIn(objectKey);
    metadata['uid'] ??= this.#objectUid();
    metadata['creationTimestamp'] ??= this.#timestamp();
    objects.set(objectKey, object);
    metadata['resourceVersion'] = this.#bump();
    this.#recordChange(key, existed ? 'MODIFIED' : 'ADDED', () => object);
    if (key === CNI_NODES) this.#redeliverNode(objectKey, optedInBefore);
    if (isEventResource(resource) && !existed && objects.size > this.#eventObjectLimit) {
      const [oldestKey, oldest] = objects.entries().next().value as [string, JsonObject];
      objects.delete(oldestKey);
      const deletedAt = this.#bump();
      this.#recordChange(key, 'DELETED', () => withResourceVersion(oldest, deletedAt));
    }
    return object;
  }

  #replaceGeneric(
    resource: FakeResource,
    current: JsonObject,
    manifest: JsonObject,
    subresource: 'status' | undefined,
  ): JsonObject {
    const currentMetadata = objectAt(current, 'metadata') ?? {};
    let next: JsonObject;
    if (subresource === 'status') {
      next = structuredClone(current);
      if (manifest['status'] === undefined) Reflect.deleteProperty(next, 'status');
      else next['status'] = structuredClone(manifest['status']);
    } else {
      next = structuredClone(manifest);
      const metadata = { ...objectAt(next, 'metadata') };
      next['metadata'] = metadata;
      // System fields are the server's, whatever the client sent.
      for (const field of [
        'uid',
        'creationTimestamp',
        'namespace',
        'deletionTimestamp',
        'generation',
      ]) {
        if (currentMetadata[field] === undefined) Reflect.deleteProperty(metadata, field);
        else metadata[field] = currentMetadata[field];
      }
      if (resource.group !== '' && !jsonEqual(current['spec'], next['spec'])) {
        metadata['generation'] =
          (typeof currentMetadata['generation'] === 'number' ? currentMetadata['generation'] : 1) +
          1;
      }
    }
    if (jsonEqual(withoutVolatile(current), withoutVolatile(next))) return current;
    const nextMetadata = objectAt(next, 'metadata') ?? {};
    const finalizers = nextMetadata['finalizers'];
    if (
      nextMetadata['deletionTimestamp'] !== undefined &&
      (!Array.isArray(finalizers) || finalizers.length === 0)
    ) {
      return this.#removeGeneric(resource, next);
    }
    return structuredClone(this.#storeGeneric(resource, next));
  }

  #deleteGeneric(resource: FakeResource, current: JsonObject): JsonObject {
    const metadata = objectAt(current, 'metadata') ?? {};
    const finalizers = metadata['finalizers'];
    if (Array.isArray(finalizers) && finalizers.length > 0) {
      if (metadata['deletionTimestamp'] !== undefined) return current;
      metadata['deletionTimestamp'] = this.#timestamp();
      return structuredClone(this.#storeGeneric(resource, current));
    }
    return this.#removeGeneric(resource, current);
  }

  #removeGeneric(resource: FakeResource, object: JsonObject): JsonObject {
    const metadata = objectAt(object, 'metadata');
    const objectKey = resource.namespaced
      ? `${stringAt(metadata, 'namespace') ?? ''}/${stringAt(metadata, 'name') ?? ''}`
      : (stringAt(metadata, 'name') ?? '');
    const optedInBefore = resourceKey(resource) === CNI_NODES && this.#cniNodeOptsIn(objectKey);
    this.#genericObjects.get(resourceKey(resource))?.delete(objectKey);
    const deleted = withResourceVersion(object, this.#bump());
    this.#recordChange(resourceKey(resource), 'DELETED', () => deleted);
    if (resourceKey(resource) === CNI_NODES) this.#redeliverNode(objectKey, optedInBefore);
    return deleted;
  }

  /** An Event created through the object API also joins `events()`. */
  #logEventObject(event: JsonObject, username: string): void {
    const regarding = objectAt(event, 'involvedObject') ?? objectAt(event, 'regarding') ?? {};
    const type = stringAt(event, 'type');
    this.#eventLog.push({
      at: this.#clock.now(),
      involvedObject: {
        kind: (stringAt(regarding, 'kind') ?? 'Pod') as ClusterEvent['involvedObject']['kind'],
        name: stringAt(regarding, 'name') ?? '',
        ...(stringAt(regarding, 'namespace') === undefined
          ? {}
          : { namespace: stringAt(regarding, 'namespace') as string }),
        ...(stringAt(regarding, 'uid') === undefined
          ? {}
          : { uid: stringAt(regarding, 'uid') as string }),
      },
      type: type === 'Warning' ? 'Warning' : 'Normal',
      reason: stringAt(event, 'reason') ?? '',
      message: stringAt(event, 'message') ?? stringAt(event, 'note') ?? '',
      source: username,
    });
  }

  #createNodeObject(manifest: JsonObject, name: string): JsonObject {
    const metadata = objectAt(manifest, 'metadata');
    const labels = checkedStringMap(manifest, 'metadata.labels', metadata?.['labels']);
    const providerId = stringAt(objectAt(manifest, 'spec'), 'providerID');
    const instanceId = providerId?.split('/').pop();
    this.addNode({
      name,
      labels,
      ...(providerId === undefined ? {} : { providerId }),
      ...(instanceId?.startsWith('i-') === true ? { instanceId } : {}),
      ...(labels['node.kubernetes.io/instance-type'] === undefined
        ? {}
        : { instanceType: labels['node.kubernetes.io/instance-type'] }),
    });
    const node = this.#nodeRecord(name);
    const annotations = checkedStringMap(
      manifest,
      'metadata.annotations',
      metadata?.['annotations'],
    );
    const capacity = objectAt(objectAt(manifest, 'status'), 'capacity');
    if (Object.keys(annotations).length > 0 || capacity !== undefined) {
      node.annotations = annotations;
      if (capacity !== undefined) setNodeQuantities(node, capacity);
      this.#touchNode(node);
    }
    return nodeManifest(node);
  }

  #replaceNode(
    node: NodeRecord,
    manifest: JsonObject,
    subresource: 'status' | undefined,
  ): JsonObject {
    const before = JSON.stringify(nodeManifest(node));
    if (subresource === 'status') {
      const capacity = objectAt(objectAt(manifest, 'status'), 'capacity') ?? {};
      const next = {
        ...node,
        capacity: { ...node.capacity },
        otherCapacity: { ...node.otherCapacity },
      };
      setNodeQuantities(next, capacity);
      node.capacity = next.capacity;
      node.otherCapacity = next.otherCapacity;
    } else {
      const metadata = objectAt(manifest, 'metadata');
      const labels = checkedStringMap(manifest, 'metadata.labels', metadata?.['labels']);
      const annotations = checkedStringMap(
        manifest,
        'metadata.annotations',
        metadata?.['annotations'],
      );
      const providerId = stringAt(objectAt(manifest, 'spec'), 'providerID') ?? null;
      if (node.providerId !== null && providerId !== node.providerId) {
        throw invalid(
          NODE_RESOURCE,
          node.name,
          'spec.providerID',
          'Forbidden: node updates may not change providerID except from "" to valid',
        );
      }
      node.labels = labels;
      node.annotations = annotations;
      node.providerId = providerId;
    }
    if (JSON.stringify(nodeManifest(node)) === before) return nodeManifest(node);
    this.#touchNode(node);
    this.#requestScheduling();
    return nodeManifest(node);
  }

  #replacePod(
    record: PodRecord,
    manifest: JsonObject,
    subresource: 'status' | undefined,
    username: string,
  ): JsonObject {
    if (subresource === 'status') {
      const status = objectAt(manifest, 'status') ?? {};
      const phase = status['phase'];
      if (phase !== undefined && !PHASES.includes(phase as PodPhase)) {
        throw invalid(
          POD_RESOURCE,
          record.name,
          'status.phase',
          `Unsupported value: ${JSON.stringify(phase)}: supported values: ${PHASES.map((p) => `"${p}"`).join(', ')}`,
        );
      }
      if (jsonEqual(record.manifest['status'], status)) return structuredClone(record.manifest);
      record.manifest['status'] = structuredClone(status);
      if (!this.#isSchedulable(record)) this.#pending.delete(record.key);
      this.#updateUsage(record);
      this.#touch(record);
      this.#requestScheduling();
      return structuredClone(record.manifest);
    }
    const metadata = objectAt(manifest, 'metadata');
    const labels = checkedStringMap(manifest, 'metadata.labels', metadata?.['labels']);
    const annotations = checkedStringMap(
      manifest,
      'metadata.annotations',
      metadata?.['annotations'],
    );
    const currentSpec = objectAt(record.manifest, 'spec') ?? {};
    const nextSpec = objectAt(manifest, 'spec') ?? {};
    if (!jsonEqual(withoutImages(currentSpec), withoutImages(nextSpec))) {
      throw invalid(
        POD_RESOURCE,
        record.name,
        'spec',
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      );
    }
    const currentMetadata = objectAt(record.manifest, 'metadata') ?? {};
    const currentAnnotations = stringMapAt(currentMetadata, 'annotations');
    if (!sameStrings(currentAnnotations, annotations) && this.#admission) {
      const updated = structuredClone(record.manifest);
      updated['metadata'] = { ...currentMetadata, annotations };
      deniedOrResponse(
        reviewPodAnnotations(admissionReview('UPDATE', updated, record.manifest, username), {
          controllerUsernames: this.#controllerUsernames,
        }),
        'pod-eni-annotation.podsg.io',
      );
    }
    const finalizers = metadata?.['finalizers'];
    const next = structuredClone(record.manifest);
    const nextMetadata: JsonObject = {
      ...currentMetadata,
      labels,
      annotations,
      ...(Array.isArray(finalizers) ? { finalizers: structuredClone(finalizers) } : {}),
    };
    // Empty maps are absent, as the API server's JSON omits them.
    if (Object.keys(labels).length === 0) Reflect.deleteProperty(nextMetadata, 'labels');
    if (Object.keys(annotations).length === 0) Reflect.deleteProperty(nextMetadata, 'annotations');
    next['metadata'] = nextMetadata;
    next['spec'] = structuredClone(nextSpec);
    if (jsonEqual(next, record.manifest)) return structuredClone(record.manifest);
    const now = this.#clock.now();
    for (const key of Object.keys(annotations))
      if (currentAnnotations[key] !== annotations[key]) record.annotatedAt[key] = now;
    for (const key of Object.keys(record.annotatedAt))
      if (!(key in annotations)) Reflect.deleteProperty(record.annotatedAt, key);
    record.manifest = next;
    this.#touch(record);
    return structuredClone(record.manifest);
  }

  /**
   * A node as the controller sees it: a node whose CNINode lists the SecurityGroupsForPods
   * feature (today's EKS opt-in) carries the legacy opt-in label too, as
   * `KubernetesClusterApi` reports it, so the allocator keeps one test.
   */
  #clusterNodeView(node: NodeRecord): ClusterNode {
    const view = nodeView(node);
    if (HAS_TRUNK_ATTACHED_LABEL in view.labels || !this.#cniNodeOptsIn(node.name)) return view;
    return { ...view, labels: { ...view.labels, [HAS_TRUNK_ATTACHED_LABEL]: 'true' } };
  }

  #cniNodeOptsIn(nodeName: string): boolean {
    const features = objectAt(this.#genericObjects.get(CNI_NODES)?.get(nodeName), 'spec')?.[
      'features'
    ];
    return (
      Array.isArray(features) &&
      features.some((f: unknown) => isJsonObject(f) && f['name'] === 'SecurityGroupsForPods')
    );
  }

  /** Re-delivers a node whose opt-in changed with its CNINode. */
  #redeliverNode(nodeName: string, optedInBefore: boolean): void {
    const node = this.#nodeRecords.get(nodeName);
    if (node === undefined || this.#cniNodeOptsIn(nodeName) === optedInBefore) return;
    this.#emit({ kind: 'Node', type: 'upsert', node: this.#clusterNodeView(node) });
    this.#requestScheduling();
  }

  #touchNode(node: NodeRecord): void {
    node.resourceVersion = this.#bump();
    this.#emit({ kind: 'Node', type: 'upsert', node: this.#clusterNodeView(node) });
    this.#recordChange('nodes', 'MODIFIED', () => nodeManifest(node));
  }

  /** Logs an object change for watches; `snapshot` is only called when someone listens. */
  #recordChange(
    resource: string,
    type: FakeClusterObjectChange['type'],
    snapshot: () => JsonObject,
  ): void {
    if (this.#changeLimit === 0 && this.#objectListeners.size === 0) return;
    const object = structuredClone(snapshot());
    const metadata = objectAt(object, 'metadata');
    const key = `${resource}|${stringAt(metadata, 'namespace') ?? ''}/${stringAt(metadata, 'name') ?? ''}`;
    const previous = type === 'ADDED' ? null : (this.#lastSnapshots.get(key) ?? null);
    if (type === 'DELETED') this.#lastSnapshots.delete(key);
    else this.#lastSnapshots.set(key, object);
    const change: FakeClusterObjectChange = {
      resourceVersion: this.#revision,
      resource,
      type,
      object,
      previous,
    };
    if (this.#changeLimit > 0) {
      this.#changeLog.push(change);
      this.#trimChangeLog();
    }
    for (const listener of this.#objectListeners) {
      try {
        listener(change);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #trimChangeLog(): void {
    const excess = this.#changeLog.length - this.#changeLimit;
    // Trim in batches, so keeping the log costs O(1) per change.
    if (excess <= 0 || (this.#changeLimit > 0 && excess < Math.min(1024, this.#changeLimit)))
      return;
    const dropped = this.#changeLog.slice(0, excess);
    this.#changeLog = this.#changeLog.slice(excess);
    this.#changeLogOrigin = dropped[dropped.length - 1]?.resourceVersion ?? this.#changeLogOrigin;
  }

  #timestamp(): string {
    return new Date(this.#timeOrigin + this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  #objectUid(): string {
    const r = this.#objectRandom;
    return `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${'89ab'[r.int(0, 3)] ?? '8'}${r.hex(3)}-${r.hex(12)}`;
  }

  #objectSuffix(): string {
    let suffix = '';
    for (let i = 0; i < 5; i++)
      suffix +=
        NAME_SUFFIX_ALPHABET[this.#objectRandom.int(0, NAME_SUFFIX_ALPHABET.length - 1)] ?? 'x';
    return suffix;
  }

  // ---------------------------------------------------------------- scheduler

  #isSchedulable(record: PodRecord): boolean {
    const metadata = objectAt(record.manifest, 'metadata');
    return (
      this.#nodeNameOf(record) === null &&
      metadata?.['deletionTimestamp'] === undefined &&
      this.#phaseOf(record) === 'Pending'
    );
  }

  #requestScheduling(): void {
    if (!this.#schedulerEnabled || this.#schedulingQueued || this.#pending.size === 0) return;
    this.#schedulingQueued = true;
    const run = (): void => {
      this.#schedulingQueued = false;
      this.#schedulePending();
    };
    if (this.#schedulingDelayMs === 0) queueMicrotask(run);
    else void this.#clock.sleep(this.#schedulingDelayMs).then(run);
  }

  #schedulePending(): void {
    const nodes = [...this.#nodeRecords.values()];
    for (const key of [...this.#pending]) {
      const record = this.#podRecords.get(key);
      if (record === undefined || !this.#isSchedulable(record)) {
        this.#pending.delete(key);
        continue;
      }
      const selector = stringMapAt(objectAt(record.manifest, 'spec'), 'nodeSelector');
      let best: NodeRecord | null = null;
      let insufficient = 0;
      let mismatched = 0;
      for (const node of nodes) {
        if (!Object.entries(selector).every(([k, v]) => node.labels[k] === v)) {
          mismatched++;
          continue;
        }
        if (
          record.podEniRequest > 0 &&
          node.podEniInUse + record.podEniRequest > (node.capacity[POD_ENI_RESOURCE] ?? 0)
        ) {
          insufficient++;
          continue;
        }
        if (
          best === null ||
          node.podCount < best.podCount ||
          (node.podCount === best.podCount && node.name < best.name)
        ) {
          best = node;
        }
      }
      if (best === null) {
        const reasons = [
          ...(insufficient > 0 ? [`${insufficient} Insufficient ${POD_ENI_RESOURCE}`] : []),
          ...(mismatched > 0
            ? [`${mismatched} node(s) didn't match Pod's node affinity/selector`]
            : []),
        ];
        const message = `0/${nodes.length} nodes are available${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}.`;
        if (record.lastSchedulingFailure !== message) {
          record.lastSchedulingFailure = message;
          this.#pushEvent(
            {
              involvedObject: podReference(record),
              type: 'Warning',
              reason: 'FailedScheduling',
              message,
            },
            SCHEDULER,
          );
        }
        continue;
      }
      this.#pending.delete(key);
      const spec = objectAt(record.manifest, 'spec') ?? {};
      spec['nodeName'] = best.name;
      record.scheduledAt = this.#clock.now();
      this.#updateUsage(record);
      this.#pushEvent(
        {
          involvedObject: podReference(record),
          type: 'Normal',
          reason: 'Scheduled',
          message: `Successfully assigned ${record.namespace}/${record.name} to ${best.name}`,
        },
        SCHEDULER,
      );
      record.resourceVersion = this.#bump();
      const metadata = objectAt(record.manifest, 'metadata');
      if (metadata !== undefined) metadata['resourceVersion'] = record.resourceVersion;
      this.#emit({ kind: 'Pod', type: 'upsert', pod: this.#podView(record) });
      this.#recordChange('pods', 'MODIFIED', () => record.manifest);
    }
  }

  /** Brings the pod's contribution to its node's usage in line with its state. */
  #updateUsage(record: PodRecord): void {
    const nodeName = this.#nodeNameOf(record);
    const node = nodeName === null ? undefined : this.#nodeRecords.get(nodeName);
    const phase = this.#phaseOf(record);
    const shouldCount =
      node !== undefined &&
      record.removedAt === null &&
      phase !== 'Succeeded' &&
      phase !== 'Failed';
    if (shouldCount === record.counted) return;
    if (node === undefined) {
      record.counted = false;
      return;
    }
    const sign = shouldCount ? 1 : -1;
    node.podCount += sign;
    node.podEniInUse += sign * record.podEniRequest;
    record.counted = shouldCount;
  }

  #nodeNameOf(record: PodRecord): string | null {
    return stringAt(objectAt(record.manifest, 'spec'), 'nodeName') ?? null;
  }

  #phaseOf(record: PodRecord): PodPhase {
    const phase = stringAt(objectAt(record.manifest, 'status'), 'phase');
    return PHASES.includes(phase as PodPhase) ? (phase as PodPhase) : 'Pending';
  }

  #podView(record: PodRecord): ClusterPod {
    const metadata = objectAt(record.manifest, 'metadata');
    const spec = objectAt(record.manifest, 'spec');
    return {
      namespace: record.namespace,
      name: record.name,
      uid: record.uid,
      labels: stringMapAt(metadata, 'labels'),
      annotations: stringMapAt(metadata, 'annotations'),
      serviceAccountName: stringAt(spec, 'serviceAccountName') ?? 'default',
      nodeName: this.#nodeNameOf(record),
      phase: this.#phaseOf(record),
      requestsPodEni: record.podEniRequest > 0,
      hostNetwork: spec?.['hostNetwork'] === true,
      terminating: metadata?.['deletionTimestamp'] !== undefined,
      resourceVersion: record.resourceVersion,
    };
  }

  #pushEvent(event: ClusterEvent, source: string): void {
    this.#eventLog.push({
      at: this.#clock.now(),
      involvedObject: { ...event.involvedObject },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source,
    });
    const namespace = event.involvedObject.namespace ?? 'default';
    const time = this.#timestamp();
    this.#storeGeneric(CORE_EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        // As the API server's clients name them: the object's name and a unique suffix.
        name: `${event.involvedObject.name}.${(this.#revision + 1).toString(16).padStart(16, '0')}`,
        namespace,
      },
      involvedObject: { ...event.involvedObject, apiVersion: 'v1' },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: source },
      reportingComponent: source,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    });
  }

  #podRecord(namespace: string, name: string): PodRecord {
    const record = this.#podRecords.get(`${namespace}/${name}`);
    if (record === undefined) {
      throw new AllocatorError('NotFound', `pods "${name}" not found in ${namespace}`, {
        code: 'NotFound',
      });
    }
    return record;
  }

  #nodeRecord(name: string): NodeRecord {
    const node = this.#nodeRecords.get(name);
    if (node === undefined) {
      throw new AllocatorError('NotFound', `nodes "${name}" not found`, { code: 'NotFound' });
    }
    return node;
  }

  #newUid(): string {
    const r = this.#random;
    return `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${'89ab'[r.int(0, 3)] ?? '8'}${r.hex(3)}-${r.hex(12)}`;
  }

  #nameSuffix(): string {
    let suffix = '';
    for (let i = 0; i < 5; i++)
      suffix += NAME_SUFFIX_ALPHABET[this.#random.int(0, NAME_SUFFIX_ALPHABET.length - 1)] ?? 'x';
    return suffix;
  }
}

const podResource = { group: '', version: 'v1', resource: 'pods' };
const policyResource = {
  group: 'vpcresources.k8s.aws',
  version: 'v1beta1',
  resource: 'securitygrouppolicies',
};

function admissionReview(
  operation: AdmissionOperation,
  object: JsonObject,
  oldObject: JsonObject | undefined,
  username: string,
  resource: { group: string; version: string; resource: string } = podResource,
): AdmissionReview {
  const metadata = objectAt(object, 'metadata');
  const name = stringAt(metadata, 'name');
  const namespace = stringAt(metadata, 'namespace');
  const request: AdmissionRequest = {
    uid: `review-${String(namespace)}-${String(name)}`,
    kind: {
      group: resource.group,
      version: resource.version,
      kind: resource === podResource ? 'Pod' : 'SecurityGroupPolicy',
    },
    resource,
    operation,
    userInfo: { username },
    object,
  };
  if (name !== undefined) request.name = name;
  if (namespace !== undefined) request.namespace = namespace;
  if (oldObject !== undefined) request.oldObject = oldObject;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** The response of an allowed review; throws the denial as the API server reports it. */
function deniedOrResponse(
  review: AdmissionReview,
  webhook: string,
): NonNullable<AdmissionReview['response']> {
  const response = review.response;
  if (response === undefined) {
    throw new AllocatorError('Transient', `admission webhook "${webhook}" gave no response`);
  }
  if (!response.allowed) {
    throw new AllocatorError(
      'InvalidParameter',
      `admission webhook "${webhook}" denied the request: ${response.status?.message ?? 'denied'}`,
      { code: 'AdmissionDenied' },
    );
  }
  return response;
}

function nodeView(node: NodeRecord): ClusterNode {
  const view: ClusterNode = {
    name: node.name,
    uid: node.uid,
    labels: { ...node.labels },
    instanceId: node.instanceId,
    instanceType: node.labels['node.kubernetes.io/instance-type'] ?? null,
  };
  const released = node.annotations[RELEASED_BRANCHES_ANNOTATION];
  if (released === undefined) return view;
  const { releasedBranches, warnings } = parseReleasedBranches(released);
  return warnings.length === 0
    ? { ...view, releasedBranches }
    : { ...view, releasedBranches, releasedBranchesWarnings: warnings };
}

function podReference(record: PodRecord): ClusterEvent['involvedObject'] {
  return { kind: 'Pod', namespace: record.namespace, name: record.name, uid: record.uid };
}

function checkName(method: string, field: string, value: string): void {
  const problem = validateDnsSubdomain(value);
  if (problem !== null) throw new AllocatorError('Invalid', `${method}: ${field} ${problem}`);
}

function sameStrings(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

function validateFaults(faults: readonly ClusterFaultRule[]): readonly ClusterFaultRule[] {
  faults.forEach((rule, index) => {
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new AllocatorError(
        'Invalid',
        `FakeCluster option faults[${index}].rate: ${rule.rate} is not a probability`,
      );
    }
  });
  return faults.map((rule) => ({ ...rule }));
}

function nonNegative(field: string, value: number): number {
  if (!(value >= 0))
    throw new AllocatorError('Invalid', `FakeCluster option ${field}: ${value} must be ≥ 0`);
  return value;
}

/** The SecurityGroupPolicy resource key; its objects live in the policy index. */
const POLICIES = 'vpcresources.k8s.aws/securitygrouppolicies';
/** EKS's CNINode resource key; its SecurityGroupsForPods feature opts a node in. */
const CNI_NODES = 'vpcresources.k8s.aws/cninodes';
const POD_RESOURCE: FakeResource = { group: '', resource: 'pods', kind: 'Pod', namespaced: true };
const NODE_RESOURCE: FakeResource = {
  group: '',
  resource: 'nodes',
  kind: 'Node',
  namespaced: false,
};
const CORE_EVENTS: FakeResource = {
  group: '',
  resource: 'events',
  kind: 'Event',
  namespaced: true,
};

/** `pods` for the core group, `<group>/<plural>` otherwise. */
function resourceKey(resource: FakeResource): string {
  return resource.group === '' ? resource.resource : `${resource.group}/${resource.resource}`;
}

function isEventResource(resource: FakeResource): boolean {
  return (
    resource.resource === 'events' && (resource.group === '' || resource.group === 'events.k8s.io')
  );
}

function nodeManifest(node: NodeRecord): JsonObject {
  const quantities: Record<string, string> = { ...node.otherCapacity };
  for (const [name, value] of Object.entries(node.capacity)) quantities[name] = String(value);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: node.uid,
      resourceVersion: node.resourceVersion,
      creationTimestamp: new Date(node.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      labels: { ...node.labels },
      ...(Object.keys(node.annotations).length === 0
        ? {}
        : { annotations: { ...node.annotations } }),
    },
    spec: node.providerId === null ? {} : { providerID: node.providerId },
    status: {
      capacity: quantities,
      allocatable: { ...quantities },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

/** Sets node capacity from a `status.capacity` map; whole numbers feed the scheduler. */
function setNodeQuantities(node: NodeRecord, capacity: JsonObject): void {
  const numbers: Record<string, number> = {};
  const others: Record<string, string> = {};
  for (const [name, value] of Object.entries(capacity)) {
    const quantity = integerQuantity(value);
    if (quantity !== null && !Number.isNaN(quantity)) numbers[name] = quantity;
    else if (typeof value === 'string' && /^[0-9.]+[a-zA-Z]{0,2}$/.test(value))
      others[name] = value;
    else
      throw invalid(
        NODE_RESOURCE,
        node.name,
        `status.capacity[${name}]`,
        `Invalid value: ${JSON.stringify(value)}: must be a quantity`,
      );
  }
  node.capacity = numbers;
  node.otherCapacity = others;
}

function withResourceVersion(object: JsonObject, resourceVersion: string): JsonObject {
  const copy = structuredClone(object);
  copy['metadata'] = { ...objectAt(copy, 'metadata'), resourceVersion };
  return copy;
}

/** `Invalid` naming the object and the field; `cause.field` carries the field for the wire. */
function invalid(
  resource: FakeResource,
  name: string,
  field: string,
  message: string,
): AllocatorError {
  return new AllocatorError(
    'Invalid',
    `${resource.kind} "${name}" is invalid: ${field}: ${message}`,
    {
      code: 'Invalid',
      cause: { field, message },
    },
  );
}

function notFound(resource: FakeResource, name: string, namespace: string | null): AllocatorError {
  return new AllocatorError(
    'NotFound',
    `${resource.resource}${resource.group === '' ? '' : `.${resource.group}`} "${name}" not found${namespace === null ? '' : ` in ${namespace}`}`,
    { code: 'NotFound' },
  );
}

function checkPreconditions(
  resource: FakeResource,
  current: JsonObject,
  preconditions: { uid?: string | undefined; resourceVersion?: string | undefined },
): void {
  const metadata = objectAt(current, 'metadata');
  const name = stringAt(metadata, 'name') ?? '';
  const uid = stringAt(metadata, 'uid');
  if (preconditions.uid !== undefined && preconditions.uid !== '' && preconditions.uid !== uid) {
    throw new AllocatorError(
      'Conflict',
      `Operation cannot be fulfilled on ${resource.resource} "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(uid)}`,
      { code: 'Conflict' },
    );
  }
  const resourceVersion = stringAt(metadata, 'resourceVersion');
  if (
    preconditions.resourceVersion !== undefined &&
    preconditions.resourceVersion !== '' &&
    preconditions.resourceVersion !== resourceVersion
  ) {
    throw new AllocatorError(
      'Conflict',
      `Operation cannot be fulfilled on ${resource.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { code: 'Conflict' },
    );
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

/** The object without the fields the server owns, to tell a no-op update. */
function withoutVolatile(object: JsonObject): JsonObject {
  const copy: JsonObject = { ...object };
  const metadata: JsonObject = { ...objectAt(object, 'metadata') };
  for (const field of [
    'resourceVersion',
    'uid',
    'creationTimestamp',
    'generation',
    'managedFields',
  ])
    Reflect.deleteProperty(metadata, field);
  copy['metadata'] = metadata;
  return copy;
}

/** A pod spec without the container images, the one field an update may change. */
function withoutImages(spec: JsonObject): JsonObject {
  const copy: JsonObject = { ...spec };
  for (const field of ['containers', 'initContainers']) {
    const containers = spec[field];
    if (Array.isArray(containers)) {
      copy[field] = containers.map((c: unknown) =>
        isJsonObject(c) ? { ...c, image: undefined } : c,
      );
    }
  }
  return copy;
}

/** A labels or annotations map whose values must all be strings. */
function checkedStringMap(
  manifest: JsonObject,
  field: string,
  value: unknown,
): Record<string, string> {
  if (value === undefined || value === null) return {};
  const name = stringAt(objectAt(manifest, 'metadata'), 'name') ?? '';
  const kind = stringAt(manifest, 'kind') ?? 'object';
  if (!isJsonObject(value)) {
    throw new AllocatorError(
      'Invalid',
      `${kind} "${name}" is invalid: ${field}: Invalid value: must be a map of strings`,
      { code: 'Invalid', cause: { field, message: 'must be a map of strings' } },
    );
  }
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new AllocatorError(
        'Invalid',
        `${kind} "${name}" is invalid: ${field}[${key}]: Invalid value: must be a string`,
        { code: 'Invalid', cause: { field: `${field}[${key}]`, message: 'must be a string' } },
      );
    }
    out[key] = entry;
  }
  return out;
}
