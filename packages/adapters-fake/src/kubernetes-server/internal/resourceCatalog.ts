import { isJsonObject, objectAt, stringAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import type { FakeResource } from '../../models/FakeClusterObjectChange.js';
import { eventFromCore, eventToCore } from './eventConversion.js';
import { stringPath } from './selectors.js';

/** A CRD's `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** A resource the server serves: what discovery lists and the handlers need. */
export interface ServedResource extends FakeResource {
  /** Served versions, the storage (preferred) one first. */
  versions: string[];
  singular: string;
  shortNames: string[];
  categories: string[];
  /** Subresources served (`status`). */
  subresources: string[];
  /** Built-in types take strategic merge patches; custom resources do not. */
  strategicMerge: boolean;
  /** Field selectors besides metadata.name and metadata.namespace. */
  fields: Readonly<Record<string, (object: KubernetesObject) => string>>;
  /** Printer columns of a custom resource, per version. */
  printerColumns: Readonly<Record<string, PrinterColumn[]>>;
  /** Another resource's store this one shows converted (events.k8s.io events are core events). */
  storage?: {
    resource: FakeResource;
    fromStorage: (object: KubernetesObject) => KubernetesObject;
    toStorage: (object: KubernetesObject) => KubernetesObject;
  };
}

/** The verbs every served resource supports. */
export const RESOURCE_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function builtIn(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<
    Pick<ServedResource, 'shortNames' | 'subresources' | 'fields' | 'categories'>
  > = {},
): ServedResource {
  return {
    group,
    resource,
    kind,
    namespaced,
    versions: [version],
    singular: kind.toLowerCase(),
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
    strategicMerge: true,
    fields: extra.fields ?? {},
    printerColumns: {},
  };
}

const CRD_GROUP = 'apiextensions.k8s.io';

/** The resources every server serves, before any CRD. */
export const BUILT_IN_RESOURCES: readonly ServedResource[] = [
  builtIn('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status'],
    fields: Object.fromEntries(
      [
        'spec.nodeName',
        'spec.serviceAccountName',
        'spec.schedulerName',
        'spec.restartPolicy',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ].map((f) => [f, stringPath(f)]),
    ),
  }),
  builtIn('', 'v1', 'nodes', 'Node', false, {
    shortNames: ['no'],
    subresources: ['status'],
    fields: {
      'spec.unschedulable': (o) => String(objectAt(o, 'spec')?.['unschedulable'] === true),
    },
  }),
  builtIn('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  builtIn('', 'v1', 'namespaces', 'Namespace', false, {
    shortNames: ['ns'],
    subresources: ['status'],
    fields: { 'status.phase': stringPath('status.phase') },
  }),
  builtIn('', 'v1', 'events', 'Event', true, {
    shortNames: ['ev'],
    fields: Object.fromEntries(
      [
        'involvedObject.kind',
        'involvedObject.namespace',
        'involvedObject.name',
        'involvedObject.uid',
        'involvedObject.apiVersion',
        'involvedObject.resourceVersion',
        'involvedObject.fieldPath',
        'reason',
        'reportingComponent',
        'source',
        'type',
      ].map((f) => [f, stringPath(f)]),
    ),
  }),
  {
    ...builtIn('events.k8s.io', 'v1', 'events', 'Event', true, {
      shortNames: ['ev'],
      fields: Object.fromEntries(
        [
          'regarding.kind',
          'regarding.namespace',
          'regarding.name',
          'regarding.uid',
          'reason',
          'reportingController',
          'type',
        ].map((f) => [f, stringPath(f)]),
      ),
    }),
    storage: {
      resource: { group: '', resource: 'events', kind: 'Event', namespaced: true },
      fromStorage: eventFromCore,
      toStorage: eventToCore,
    },
  },
  builtIn('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  builtIn(CRD_GROUP, 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, {
    shortNames: ['crd', 'crds'],
    subresources: ['status'],
    categories: ['api-extensions'],
  }),
  builtIn(
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    false,
    {
      categories: ['api-extensions'],
    },
  ),
  builtIn(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
    {
      categories: ['api-extensions'],
    },
  ),
];

/** The CustomResourceDefinition resource itself. */
export const CRD_RESOURCE = BUILT_IN_RESOURCES.find(
  (r) => r.resource === 'customresourcedefinitions',
) as ServedResource;
/** Namespaces, whose existence namespaced creates need. */
export const NAMESPACE_RESOURCE = BUILT_IN_RESOURCES.find(
  (r) => r.resource === 'namespaces',
) as ServedResource;

/**
 * The resource a stored CRD defines (its served versions, names, scope, status subresource and
 * printer columns), or null when the CRD is malformed (validation refuses those on create).
 */
export function resourceOfCrd(crd: KubernetesObject): ServedResource | null {
  const spec = objectAt(crd, 'spec');
  const names = objectAt(spec, 'names');
  const group = stringAt(spec, 'group');
  const plural = stringAt(names, 'plural');
  const kind = stringAt(names, 'kind');
  const versions = spec?.['versions'];
  if (group === undefined || plural === undefined || kind === undefined || !Array.isArray(versions))
    return null;
  const served = versions.filter(
    (v): v is KubernetesObject =>
      isJsonObject(v) && v['served'] !== false && typeof v['name'] === 'string',
  );
  if (served.length === 0) return null;
  served.sort((a, b) => Number(b['storage'] === true) - Number(a['storage'] === true));
  const printerColumns: Record<string, PrinterColumn[]> = {};
  for (const version of served) {
    const columns = version['additionalPrinterColumns'];
    printerColumns[version['name'] as string] = Array.isArray(columns)
      ? columns.filter(
          (c): c is PrinterColumn =>
            isJsonObject(c) && typeof c['name'] === 'string' && typeof c['jsonPath'] === 'string',
        )
      : [];
  }
  const listOf = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return {
    group,
    resource: plural,
    kind,
    namespaced: stringAt(spec, 'scope') !== 'Cluster',
    versions: served.map((v) => v['name'] as string),
    singular: stringAt(names, 'singular') ?? kind.toLowerCase(),
    shortNames: listOf(names?.['shortNames']),
    categories: listOf(names?.['categories']),
    subresources: served.some((v) => objectAt(objectAt(v, 'subresources'), 'status') !== undefined)
      ? ['status']
      : [],
    strategicMerge: false,
    fields: {},
    printerColumns,
  };
}

/**
 * The problems of a CRD manifest, as `field: message` pairs (empty when it is acceptable): the
 * name must be `<plural>.<group>`, names and versions given, exactly one storage version.
 */
export function crdProblems(crd: KubernetesObject): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const spec = objectAt(crd, 'spec');
  const names = objectAt(spec, 'names');
  const group = stringAt(spec, 'group');
  const plural = stringAt(names, 'plural');
  if (group === undefined || group === '')
    problems.push({ field: 'spec.group', message: 'Required value' });
  if (plural === undefined || plural === '')
    problems.push({ field: 'spec.names.plural', message: 'Required value' });
  if (stringAt(names, 'kind') === undefined)
    problems.push({ field: 'spec.names.kind', message: 'Required value' });
  const scope = stringAt(spec, 'scope');
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    problems.push({
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec?.['scope'])}: supported values: "Cluster", "Namespaced"`,
    });
  }
  const name = stringAt(objectAt(crd, 'metadata'), 'name');
  if (group !== undefined && plural !== undefined && name !== `${plural}.${group}`) {
    problems.push({
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`,
    });
  }
  const versions = spec?.['versions'];
  if (!Array.isArray(versions) || versions.length === 0) {
    problems.push({
      field: 'spec.versions',
      message: 'Invalid value: must have exactly one version marked as storage version',
    });
  } else {
    versions.forEach((version, index) => {
      if (!isJsonObject(version) || typeof version['name'] !== 'string') {
        problems.push({ field: `spec.versions[${index}].name`, message: 'Required value' });
      } else if (
        typeof version['served'] !== 'boolean' ||
        typeof version['storage'] !== 'boolean'
      ) {
        problems.push({
          field: `spec.versions[${index}]`,
          message: 'Required value: served and storage are required',
        });
      }
    });
    if (versions.filter((v) => isJsonObject(v) && v['storage'] === true).length !== 1) {
      problems.push({
        field: 'spec.versions',
        message: 'Invalid value: must have exactly one version marked as storage version',
      });
    }
  }
  return problems;
}

/** `<group>/<version>`, or `v1` style for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
