import {
  AllocatorError,
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
  validateDnsSubdomain,
} from '@podsg/policy';
import type { AdmissionOperation, AdmissionRequest, AdmissionReview } from '@podsg/policy';
import {
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
import type { FakePodState } from '../models/FakePodState.js';
import { SeededRandom } from './SeededRandom.js';

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
  capacity: Record<string, number>;
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
  private readonly clock: Clock;
  private readonly random: SeededRandom;
  private readonly controllerUsername: string;
  private readonly controllerUsernames: readonly string[];
  private readonly admission: boolean;
  private readonly schedulerEnabled: boolean;
  private readonly schedulingDelayMs: number;
  private readonly podTerminationMs: number;
  private revision = 0;
  private readonly podRecords = new Map<string, PodRecord>();
  private readonly removedPods: PodRecord[] = [];
  private readonly nodeRecords = new Map<string, NodeRecord>();
  private readonly serviceAccountRecords = new Map<string, ClusterServiceAccount>();
  private readonly policyObjects = new Map<string, JsonObject>();
  private readonly policyIndex = new PolicyIndex();
  private readonly eventLog: FakeClusterEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Changes since the last `list()`, replayed to watches that start later; null before any list. */
  private changesSinceList: ClusterChange[] | null = null;
  private readonly pending = new Set<string>();
  private schedulingQueued = false;
  private faultRules: readonly ClusterFaultRule[];
  private readonly faultRandom: SeededRandom;

  constructor(options: FakeClusterOptions) {
    this.clock = options.clock;
    this.random = new SeededRandom(options.seed ?? 1).fork('cluster');
    this.controllerUsername = options.controllerUsername ?? DEFAULT_CONTROLLER;
    this.controllerUsernames = options.controllerUsernames ?? [this.controllerUsername];
    this.admission = options.admission ?? true;
    this.schedulerEnabled = options.scheduler ?? true;
    this.schedulingDelayMs = nonNegative('schedulingDelayMs', options.schedulingDelayMs ?? 0);
    this.podTerminationMs = nonNegative('podTerminationMs', options.podTerminationMs ?? 1000);
    this.faultRandom = new SeededRandom(options.seed ?? 1).fork('cluster-faults');
    this.faultRules = validateFaults(options.faults ?? []);
  }

  /** Replaces the injected `ClusterApi` faults (e.g. none, before checking a quiescent state). */
  setFaults(faults: readonly ClusterFaultRule[]): void {
    this.faultRules = validateFaults(faults);
  }

  // ---------------------------------------------------------------- ClusterApi

  /** A consistent snapshot; a `watch` registered afterwards sees every later change. */
  list(): Promise<ClusterSnapshot> {
    const fault = this.drawFault('list');
    if (fault !== null) return Promise.reject(fault);
    this.changesSinceList = [];
    return Promise.resolve({
      pods: [...this.podRecords.values()].map((record) => this.podView(record)),
      nodes: [...this.nodeRecords.values()].map((record) => nodeView(record)),
      serviceAccounts: [...this.serviceAccountRecords.values()].map((sa) => ({
        ...sa,
        labels: { ...sa.labels },
      })),
      securityGroupPolicies: [...this.policyObjects.values()].map((p) => structuredClone(p)),
    });
  }

  /** Delivers every change since the last `list()` (or since now, without one), in order, asynchronously. */
  watch(listener: (change: ClusterChange) => void): () => void {
    const watcher: Watcher = { listener, queue: [], head: 0, scheduled: false, active: true };
    if (this.changesSinceList !== null) watcher.queue.push(...this.changesSinceList);
    this.watchers.add(watcher);
    if (watcher.queue.length > 0) this.scheduleDelivery(watcher);
    return () => {
      watcher.active = false;
      watcher.queue = [];
      this.watchers.delete(watcher);
    };
  }

  /** Sets or removes annotations as the controller, if the pod's UID still matches. */
  annotatePod(
    pod: { namespace: string; name: string; uid: string },
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<void> {
    return this.settle(() => {
      this.throwFault('annotatePod');
      this.writeAnnotations(pod.namespace, pod.name, pod.uid, annotations, this.controllerUsername);
    });
  }

  /** Sets capacity and allocatable of an extended resource on a node. */
  setNodeCapacity(nodeName: string, resource: string, quantity: number): Promise<void> {
    return this.settle(() => {
      this.throwFault('setNodeCapacity');
      const node = this.nodeRecord(nodeName);
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
      this.bump();
      this.emit({ kind: 'Node', type: 'upsert', node: nodeView(node) });
      this.requestScheduling();
    });
  }

  /** Stores the event with the clock time; best effort, as in Kubernetes. */
  recordEvent(event: ClusterEvent): Promise<void> {
    return this.settle(() => {
      this.throwFault('recordEvent');
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
      this.pushEvent(event, this.controllerUsername);
    });
  }

  /** A service account's labels, or null when it does not exist. */
  serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null> {
    const fault = this.drawFault('serviceAccountLabels');
    if (fault !== null) return Promise.reject(fault);
    const sa = this.serviceAccountRecords.get(`${namespace}/${name}`);
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
      name = prefix + this.nameSuffix();
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
    if (this.podRecords.has(key)) {
      throw new AllocatorError(
        'Conflict',
        `createPod: pods "${name}" already exists in ${namespace}`,
        { code: 'AlreadyExists' },
      );
    }
    const username = options.username ?? 'system:admin';
    if (this.admission) {
      const mutated = await reviewPodMutation(admissionReview('CREATE', pod, undefined, username), {
        policies: this.policyIndex,
        // The webhook reads the cluster directly: faults injected into the controller's
        // ClusterApi calls must not reach admission.
        serviceAccountLabels: (ns, sa) => {
          const found = this.serviceAccountRecords.get(`${ns}/${sa}`);
          return Promise.resolve(found === undefined ? null : { ...found.labels });
        },
      });
      const response = deniedOrResponse(mutated, 'pod-sg-mutation.podsg.io');
      if (response.patch !== undefined) {
        pod = applyJsonPatch(pod, decodeJsonPatch(response.patch)) as JsonObject;
      }
      deniedOrResponse(
        reviewPodAnnotations(admissionReview('CREATE', pod, undefined, username), {
          controllerUsernames: this.controllerUsernames,
        }),
        'pod-eni-annotation.podsg.io',
      );
    }
    // The webhooks are asynchronous: the name may have been taken meanwhile.
    if (this.podRecords.has(key)) {
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
    const now = this.clock.now();
    const record: PodRecord = {
      key,
      namespace,
      name,
      uid: this.newUid(),
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
    finalMetadata['creationTimestamp'] = new Date(now).toISOString();
    for (const annotation of Object.keys(stringMapAt(finalMetadata, 'annotations'))) {
      record.annotatedAt[annotation] = now;
    }
    const status = objectAt(pod, 'status') ?? {};
    pod['status'] = status;
    const phase = status['phase'];
    if (!PHASES.includes(phase as PodPhase)) status['phase'] = 'Pending';
    this.podRecords.set(key, record);
    record.resourceVersion = this.bump();
    finalMetadata['resourceVersion'] = record.resourceVersion;
    const nodeName = stringAt(objectAt(pod, 'spec'), 'nodeName');
    if (nodeName !== undefined) {
      record.scheduledAt = now;
      this.updateUsage(record);
    } else if (this.isSchedulable(record)) {
      this.pending.add(key);
      this.requestScheduling();
    }
    this.emit({ kind: 'Pod', type: 'upsert', pod: this.podView(record) });
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
    return this.settle(() => {
      const record = this.podRecord(namespace, name);
      const specGrace = objectAt(record.manifest, 'spec')?.['terminationGracePeriodSeconds'];
      const grace = options.gracePeriodSeconds ?? (typeof specGrace === 'number' ? specGrace : 30);
      if (!(grace >= 0)) {
        throw new AllocatorError(
          'Invalid',
          `deletePod ${namespace}/${name}: gracePeriodSeconds ${grace} is negative`,
        );
      }
      const delay = Math.min(grace * 1000, this.podTerminationMs);
      const metadata = objectAt(record.manifest, 'metadata') ?? {};
      if (delay === 0 || (metadata['deletionTimestamp'] !== undefined && grace === 0)) {
        this.removePod(record);
        return;
      }
      if (metadata['deletionTimestamp'] !== undefined) return;
      metadata['deletionTimestamp'] = new Date(this.clock.now()).toISOString();
      metadata['deletionGracePeriodSeconds'] = grace;
      this.pending.delete(record.key);
      this.touch(record);
      void this.clock.sleep(delay).then(() => {
        if (this.podRecords.get(record.key) === record) this.removePod(record);
      });
    });
  }

  /**
   * Sets a pod's phase as its kubelet would; `Succeeded` and `Failed` free its node's
   * resources. Rejects with `NotFound` for an unknown pod.
   */
  setPodPhase(namespace: string, name: string, phase: PodPhase): Promise<void> {
    return this.settle(() => {
      const record = this.podRecord(namespace, name);
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
      if (!this.isSchedulable(record)) this.pending.delete(record.key);
      this.updateUsage(record);
      this.touch(record);
      this.requestScheduling(); // a finished pod frees its node's resources
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
    return this.settle(() => {
      const record = this.podRecord(namespace, name);
      this.writeAnnotations(
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
  }): ClusterNode {
    checkName('addNode', 'name', spec.name);
    if (this.nodeRecords.has(spec.name)) {
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
    const node: NodeRecord = {
      name: spec.name,
      uid: this.newUid(),
      labels,
      annotations: {},
      instanceId: spec.instanceId ?? null,
      capacity: {},
      podCount: 0,
      podEniInUse: 0,
    };
    this.nodeRecords.set(node.name, node);
    this.bump();
    for (const record of this.podRecords.values()) {
      if (this.nodeNameOf(record) === node.name) this.updateUsage(record);
    }
    this.emit({ kind: 'Node', type: 'upsert', node: nodeView(node) });
    this.requestScheduling();
    return nodeView(node);
  }

  /** Sets (string) or removes (null) node labels, e.g. `vpc.amazonaws.com/has-trunk-attached`. */
  labelNode(name: string, labels: Readonly<Record<string, string | null>>): void {
    const node = this.nodeRecord(name);
    let changed = false;
    for (const [key, value] of Object.entries(labels)) {
      if (value === null ? key in node.labels : node.labels[key] !== value) changed = true;
      if (value === null) Reflect.deleteProperty(node.labels, key);
      else node.labels[key] = value;
    }
    if (!changed) return;
    this.bump();
    this.emit({ kind: 'Node', type: 'upsert', node: nodeView(node) });
    this.requestScheduling();
  }

  /**
   * Sets (string) or removes (null) node annotations, as a merge patch of the node agent would
   * (e.g. `podsg.io/released-branches`). Throws `NotFound` for an unknown node.
   */
  annotateNode(name: string, annotations: Readonly<Record<string, string | null>>): void {
    const node = this.nodeRecord(name);
    let changed = false;
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null ? key in node.annotations : node.annotations[key] !== value)
        changed = true;
      if (value === null) Reflect.deleteProperty(node.annotations, key);
      else node.annotations[key] = value;
    }
    if (!changed) return;
    this.bump();
    this.emit({ kind: 'Node', type: 'upsert', node: nodeView(node) });
  }

  /** Removes a node; its pods are removed with it (as the pod garbage collector would). */
  deleteNode(name: string): void {
    const node = this.nodeRecord(name);
    for (const record of [...this.podRecords.values()]) {
      if (this.nodeNameOf(record) === name) this.removePod(record);
    }
    this.nodeRecords.delete(name);
    this.bump();
    this.emit({ kind: 'Node', type: 'delete', node: nodeView(node) });
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
    this.serviceAccountRecords.set(`${namespace}/${name}`, sa);
    this.bump();
    this.emit({
      kind: 'ServiceAccount',
      type: 'upsert',
      serviceAccount: { ...sa, labels: { ...sa.labels } },
    });
    return { ...sa, labels: { ...sa.labels } };
  }

  /** Deletes a ServiceAccount; false when it did not exist. */
  deleteServiceAccount(namespace: string, name: string): boolean {
    const sa = this.serviceAccountRecords.get(`${namespace}/${name}`);
    if (sa === undefined) return false;
    this.serviceAccountRecords.delete(`${namespace}/${name}`);
    this.bump();
    this.emit({ kind: 'ServiceAccount', type: 'delete', serviceAccount: sa });
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
    const existing = this.policyObjects.get(key);
    if (this.admission && options.skipAdmission !== true) {
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
    metadata['uid'] = stringAt(objectAt(existing, 'metadata'), 'uid') ?? this.newUid();
    metadata['resourceVersion'] = this.bump();
    try {
      this.policyIndex.upsert(parseSecurityGroupPolicy(policy));
    } catch {
      this.policyIndex.remove(namespace, name);
    }
    this.policyObjects.set(key, policy);
    this.emit({
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
    const policy = this.policyObjects.get(key);
    if (policy === undefined) return false;
    this.policyObjects.delete(key);
    this.policyIndex.remove(namespace, name);
    this.bump();
    this.emit({
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

  // ---------------------------------------------------------------- inspection

  /** The current cluster-wide resourceVersion. */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /** Live pods in creation order; with `includeRemoved`, removed ones first. */
  pods(options: { includeRemoved?: boolean } = {}): FakePodState[] {
    const records = [
      ...(options.includeRemoved === true ? this.removedPods : []),
      ...this.podRecords.values(),
    ];
    return records.map((record) => ({
      ...this.podView(record),
      createdAt: record.createdAt,
      scheduledAt: record.scheduledAt,
      annotatedAt: { ...record.annotatedAt },
      removedAt: record.removedAt,
      podEniRequest: record.podEniRequest,
    }));
  }

  /** A live pod's full manifest, or null. */
  podManifest(namespace: string, name: string): JsonObject | null {
    const record = this.podRecords.get(`${namespace}/${name}`);
    return record === undefined ? null : structuredClone(record.manifest);
  }

  /** A live pod's annotations, or null when there is no such pod. */
  podAnnotations(namespace: string, name: string): Record<string, string> | null {
    const record = this.podRecords.get(`${namespace}/${name}`);
    return record === undefined
      ? null
      : stringMapAt(objectAt(record.manifest, 'metadata'), 'annotations');
  }

  /** Nodes with their advertised capacity and usage. */
  nodes(): FakeNodeState[] {
    return [...this.nodeRecords.values()].map((node) => ({
      ...nodeView(node),
      annotations: { ...node.annotations },
      capacity: { ...node.capacity },
      podCount: node.podCount,
      podEniInUse: node.podEniInUse,
    }));
  }

  /** Every event recorded, by the scheduler and through `recordEvent`, in order. */
  events(): FakeClusterEvent[] {
    return this.eventLog.map((event) => ({
      ...event,
      involvedObject: { ...event.involvedObject },
    }));
  }

  /** Raw SecurityGroupPolicy objects as stored. */
  policies(): JsonObject[] {
    return [...this.policyObjects.values()].map((p) => structuredClone(p));
  }

  // ---------------------------------------------------------------- internals

  private drawFault(method: ClusterApiMethod): AllocatorError | null {
    for (const rule of this.faultRules) {
      if (rule.method !== '*' && rule.method !== method) continue;
      if (this.faultRandom.next() < rule.rate) {
        const kind = rule.kind ?? 'Transient';
        return new AllocatorError(kind, `${method}: injected ${kind} failure`, {
          code: kind === 'Throttled' ? '429' : kind === 'Unauthorized' ? '401' : '503',
        });
      }
    }
    return null;
  }

  private throwFault(method: ClusterApiMethod): void {
    const fault = this.drawFault(method);
    if (fault !== null) throw fault;
  }

  /** Runs a synchronous mutation as an API call: errors become rejections, never sync throws. */
  private settle(action: () => void): Promise<void> {
    try {
      action();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private writeAnnotations(
    namespace: string,
    name: string,
    uid: string,
    annotations: Readonly<Record<string, string | null>>,
    username: string,
  ): void {
    const record = this.podRecords.get(`${namespace}/${name}`);
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
    if (this.admission) {
      const updated = structuredClone(record.manifest);
      const updatedMetadata = objectAt(updated, 'metadata') ?? {};
      updated['metadata'] = updatedMetadata;
      updatedMetadata['annotations'] = next;
      deniedOrResponse(
        reviewPodAnnotations(admissionReview('UPDATE', updated, record.manifest, username), {
          controllerUsernames: this.controllerUsernames,
        }),
        'pod-eni-annotation.podsg.io',
      );
    }
    metadata['annotations'] = next;
    const now = this.clock.now();
    for (const key of Object.keys(next))
      if (current[key] !== next[key]) record.annotatedAt[key] = now;
    for (const key of Object.keys(record.annotatedAt))
      if (!(key in next)) Reflect.deleteProperty(record.annotatedAt, key);
    this.touch(record);
  }

  private removePod(record: PodRecord): void {
    this.podRecords.delete(record.key);
    this.pending.delete(record.key);
    record.removedAt = this.clock.now();
    this.updateUsage(record);
    this.removedPods.push(record);
    this.bump();
    this.emit({ kind: 'Pod', type: 'delete', pod: this.podView(record) });
    this.requestScheduling();
  }

  /** Bumps the pod's resourceVersion and emits it. */
  private touch(record: PodRecord): void {
    record.resourceVersion = this.bump();
    const metadata = objectAt(record.manifest, 'metadata');
    if (metadata !== undefined) metadata['resourceVersion'] = record.resourceVersion;
    this.emit({ kind: 'Pod', type: 'upsert', pod: this.podView(record) });
  }

  private bump(): string {
    this.revision++;
    return String(this.revision);
  }

  private emit(change: ClusterChange): void {
    this.changesSinceList?.push(change);
    for (const watcher of this.watchers) {
      watcher.queue.push(change);
      this.scheduleDelivery(watcher);
    }
  }

  private scheduleDelivery(watcher: Watcher): void {
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

  // ---------------------------------------------------------------- scheduler

  private isSchedulable(record: PodRecord): boolean {
    const metadata = objectAt(record.manifest, 'metadata');
    return (
      this.nodeNameOf(record) === null &&
      metadata?.['deletionTimestamp'] === undefined &&
      this.phaseOf(record) === 'Pending'
    );
  }

  private requestScheduling(): void {
    if (!this.schedulerEnabled || this.schedulingQueued || this.pending.size === 0) return;
    this.schedulingQueued = true;
    const run = (): void => {
      this.schedulingQueued = false;
      this.schedulePending();
    };
    if (this.schedulingDelayMs === 0) queueMicrotask(run);
    else void this.clock.sleep(this.schedulingDelayMs).then(run);
  }

  private schedulePending(): void {
    const nodes = [...this.nodeRecords.values()];
    for (const key of [...this.pending]) {
      const record = this.podRecords.get(key);
      if (record === undefined || !this.isSchedulable(record)) {
        this.pending.delete(key);
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
          this.pushEvent(
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
      this.pending.delete(key);
      const spec = objectAt(record.manifest, 'spec') ?? {};
      spec['nodeName'] = best.name;
      record.scheduledAt = this.clock.now();
      this.updateUsage(record);
      this.pushEvent(
        {
          involvedObject: podReference(record),
          type: 'Normal',
          reason: 'Scheduled',
          message: `Successfully assigned ${record.namespace}/${record.name} to ${best.name}`,
        },
        SCHEDULER,
      );
      record.resourceVersion = this.bump();
      const metadata = objectAt(record.manifest, 'metadata');
      if (metadata !== undefined) metadata['resourceVersion'] = record.resourceVersion;
      this.emit({ kind: 'Pod', type: 'upsert', pod: this.podView(record) });
    }
  }

  /** Brings the pod's contribution to its node's usage in line with its state. */
  private updateUsage(record: PodRecord): void {
    const nodeName = this.nodeNameOf(record);
    const node = nodeName === null ? undefined : this.nodeRecords.get(nodeName);
    const phase = this.phaseOf(record);
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

  private nodeNameOf(record: PodRecord): string | null {
    return stringAt(objectAt(record.manifest, 'spec'), 'nodeName') ?? null;
  }

  private phaseOf(record: PodRecord): PodPhase {
    const phase = stringAt(objectAt(record.manifest, 'status'), 'phase');
    return PHASES.includes(phase as PodPhase) ? (phase as PodPhase) : 'Pending';
  }

  private podView(record: PodRecord): ClusterPod {
    const metadata = objectAt(record.manifest, 'metadata');
    const spec = objectAt(record.manifest, 'spec');
    return {
      namespace: record.namespace,
      name: record.name,
      uid: record.uid,
      labels: stringMapAt(metadata, 'labels'),
      annotations: stringMapAt(metadata, 'annotations'),
      serviceAccountName: stringAt(spec, 'serviceAccountName') ?? 'default',
      nodeName: this.nodeNameOf(record),
      phase: this.phaseOf(record),
      requestsPodEni: record.podEniRequest > 0,
      hostNetwork: spec?.['hostNetwork'] === true,
      terminating: metadata?.['deletionTimestamp'] !== undefined,
      resourceVersion: record.resourceVersion,
    };
  }

  private pushEvent(event: ClusterEvent, source: string): void {
    this.eventLog.push({
      at: this.clock.now(),
      involvedObject: { ...event.involvedObject },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source,
    });
  }

  private podRecord(namespace: string, name: string): PodRecord {
    const record = this.podRecords.get(`${namespace}/${name}`);
    if (record === undefined) {
      throw new AllocatorError('NotFound', `pods "${name}" not found in ${namespace}`, {
        code: 'NotFound',
      });
    }
    return record;
  }

  private nodeRecord(name: string): NodeRecord {
    const node = this.nodeRecords.get(name);
    if (node === undefined) {
      throw new AllocatorError('NotFound', `nodes "${name}" not found`, { code: 'NotFound' });
    }
    return node;
  }

  private newUid(): string {
    const r = this.random;
    return `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${'89ab'[r.int(0, 3)] ?? '8'}${r.hex(3)}-${r.hex(12)}`;
  }

  private nameSuffix(): string {
    let suffix = '';
    for (let i = 0; i < 5; i++)
      suffix += NAME_SUFFIX_ALPHABET[this.random.int(0, NAME_SUFFIX_ALPHABET.length - 1)] ?? 'x';
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
