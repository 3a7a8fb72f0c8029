import {
  AllocatorError,
  HAS_TRUNK_ATTACHED_LABEL,
  parseReleasedBranches,
  POD_ENI_RESOURCE,
  RELEASED_BRANCHES_ANNOTATION,
} from '@podsg/allocator';
import type { ClusterNode, ClusterPod, ClusterServiceAccount } from '@podsg/allocator';
import { objectAt, stringAt } from '../internal/jsonFields.js';
import type { JsonObject } from '../internal/jsonFields.js';
import type { ValueInterner } from '../internal/ValueInterner.js';

/** The identity every extracted object carries, for caches and relist differences. */
export interface ObjectIdentity {
  /** `namespace/name` (namespaced) or `name`. */
  key: string;
  uid: string;
  resourceVersion: string;
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const INSTANCE_TYPE_LABELS = [
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/instance-type',
];
/** The feature a `CNINode` lists when the node takes branch interfaces (EKS). */
export const SECURITY_GROUPS_FOR_PODS_FEATURE = 'SecurityGroupsForPods';

/**
 * The identity of a Kubernetes object from its `metadata`. Throws `AllocatorError` `Invalid`
 * naming the missing field.
 */
export function objectIdentity(
  resource: string,
  raw: unknown,
  namespaced: boolean,
): ObjectIdentity {
  const metadata = objectAt(raw, 'metadata');
  const name = stringAt(metadata, 'name');
  if (name === undefined || name === '') throw invalid(resource, raw, 'metadata.name');
  const uid = stringAt(metadata, 'uid');
  if (uid === undefined || uid === '') throw invalid(resource, raw, 'metadata.uid');
  const resourceVersion = stringAt(metadata, 'resourceVersion');
  if (resourceVersion === undefined) throw invalid(resource, raw, 'metadata.resourceVersion');
  if (!namespaced) return { key: name, uid, resourceVersion };
  const namespace = stringAt(metadata, 'namespace');
  if (namespace === undefined || namespace === '')
    throw invalid(resource, raw, 'metadata.namespace');
  return { key: `${namespace}/${name}`, uid, resourceVersion };
}

/**
 * The pod facts podsg reads, and nothing else (a full Pod is 5–20 KiB of JSON; this keeps a
 * few hundred bytes): annotations are kept only when `keepAnnotation` says so. Throws
 * `AllocatorError` `Invalid` naming the field when the object is not a usable Pod.
 */
export function extractClusterPod(
  raw: unknown,
  intern: ValueInterner,
  keepAnnotation: (key: string) => boolean,
): ClusterPod {
  objectIdentity('pods', raw, true);
  const metadata = objectAt(raw, 'metadata') as JsonObject;
  const spec = objectAt(raw, 'spec');
  if (spec === undefined) throw invalid('pods', raw, 'spec');
  const phase = stringAt(objectAt(raw, 'status'), 'phase') ?? 'Pending';
  const nodeName = stringAt(spec, 'nodeName');
  return {
    namespace: intern.text(metadata['namespace'] as string),
    name: metadata['name'] as string,
    uid: metadata['uid'] as string,
    labels: intern.sharedMap(metadata['labels']),
    annotations: intern.filteredMap(metadata['annotations'], keepAnnotation),
    serviceAccountName: intern.text(stringAt(spec, 'serviceAccountName') || 'default'),
    nodeName: nodeName === undefined || nodeName === '' ? null : intern.text(nodeName),
    phase: (PHASES.has(phase) ? phase : 'Unknown') as ClusterPod['phase'],
    requestsPodEni: requestsResource(spec, POD_ENI_RESOURCE),
    hostNetwork: spec['hostNetwork'] === true,
    terminating: typeof metadata['deletionTimestamp'] === 'string',
    resourceVersion: metadata['resourceVersion'] as string,
  };
}

/**
 * The node facts podsg reads. `optedIn` (from the node's `CNINode`) adds the legacy label
 * `vpc.amazonaws.com/has-trunk-attached: "true"` when the node lacks it, so the allocator's one
 * opt-in test covers both signals. The node agent's confirmed releases (the annotation
 * `podsg.io/released-branches`) are read with the allocator's `parseReleasedBranches`: bad
 * entries are left out and named in `releasedBranchesWarnings`, never a failure. Throws
 * `AllocatorError` `Invalid` naming the field.
 */
export function extractClusterNode(raw: unknown, intern: ValueInterner): ClusterNode {
  objectIdentity('nodes', raw, false);
  const metadata = objectAt(raw, 'metadata') as JsonObject;
  const labels = intern.sharedMap(metadata['labels']);
  const providerId = stringAt(objectAt(raw, 'spec'), 'providerID');
  const instanceType = INSTANCE_TYPE_LABELS.map((key) => labels[key]).find((v) => v !== undefined);
  const node: ClusterNode = {
    name: metadata['name'] as string,
    uid: metadata['uid'] as string,
    labels,
    instanceId: instanceIdOf(providerId),
    instanceType: instanceType ?? null,
  };
  const released = stringAt(objectAt(metadata, 'annotations'), RELEASED_BRANCHES_ANNOTATION);
  if (released === undefined) return node;
  const { releasedBranches, warnings } = parseReleasedBranches(released);
  return warnings.length === 0
    ? { ...node, releasedBranches }
    : { ...node, releasedBranches, releasedBranchesWarnings: warnings };
}

/** `node` as the allocator should see it when its CNINode opts it in (or not). */
export function withCniNodeOptIn(node: ClusterNode, optedIn: boolean): ClusterNode {
  if (!optedIn || Object.hasOwn(node.labels, HAS_TRUNK_ATTACHED_LABEL)) return node;
  return { ...node, labels: { ...node.labels, [HAS_TRUNK_ATTACHED_LABEL]: 'true' } };
}

/** A service account's identity and labels. Throws `AllocatorError` `Invalid` naming the field. */
export function extractClusterServiceAccount(
  raw: unknown,
  intern: ValueInterner,
): ClusterServiceAccount {
  objectIdentity('serviceaccounts', raw, true);
  const metadata = objectAt(raw, 'metadata') as JsonObject;
  return {
    namespace: intern.text(metadata['namespace'] as string),
    name: metadata['name'] as string,
    labels: intern.sharedMap(metadata['labels']),
  };
}

/**
 * Whether a `CNINode` (`vpcresources.k8s.aws/v1alpha1`) lists the `SecurityGroupsForPods`
 * feature in `spec.features`. Throws `AllocatorError` `Invalid` when `spec.features` is present
 * but not a list.
 */
export function cniNodeOptsIn(raw: unknown): boolean {
  const features = objectAt(raw, 'spec')?.['features'];
  if (features === undefined || features === null) return false;
  if (!Array.isArray(features)) throw invalid('cninodes', raw, 'spec.features');
  return features.some((feature) => stringAt(feature, 'name') === SECURITY_GROUPS_FOR_PODS_FEATURE);
}

/**
 * A SecurityGroupPolicy as the allocator parses it: the raw object without `managedFields`
 * (server-side apply bookkeeping, often larger than the policy).
 */
export function trimPolicy(raw: unknown): unknown {
  const metadata = objectAt(raw, 'metadata');
  if (metadata === undefined || !('managedFields' in metadata)) return raw;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...(raw as JsonObject), metadata: rest };
}

/** The EC2 instance id of `aws:///us-east-1a/i-0123…` (also `aws://…/i-…`); null otherwise. */
export function instanceIdOf(providerId: string | undefined): string | null {
  if (providerId === undefined || !providerId.startsWith('aws://')) return null;
  const last = providerId.slice(providerId.lastIndexOf('/') + 1);
  return /^i-[0-9a-f]{8,17}$/.test(last) ? last : null;
}

/** Whether a container requests (or, without a request, limits) a positive quantity of `resource`. */
function requestsResource(spec: JsonObject, resource: string): boolean {
  const containers = spec['containers'];
  if (!Array.isArray(containers)) return false;
  return containers.some((container) => {
    const resources = objectAt(container, 'resources');
    const quantity =
      objectAt(resources, 'requests')?.[resource] ?? objectAt(resources, 'limits')?.[resource];
    return positiveQuantity(quantity);
  });
}

function positiveQuantity(value: unknown): boolean {
  if (typeof value === 'number') return value > 0;
  if (typeof value !== 'string') return false;
  const number = Number.parseFloat(value);
  return Number.isFinite(number) && number > 0;
}

function invalid(resource: string, raw: unknown, field: string): AllocatorError {
  const metadata = objectAt(raw, 'metadata');
  const name = stringAt(metadata, 'name');
  const namespace = stringAt(metadata, 'namespace');
  const which =
    name === undefined ? 'an object' : namespace === undefined ? name : `${namespace}/${name}`;
  return new AllocatorError('Invalid', `${resource}: ${which} has no valid ${field}`, {
    code: 'InvalidObject',
  });
}
