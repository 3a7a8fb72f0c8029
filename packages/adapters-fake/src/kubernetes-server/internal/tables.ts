import { isJsonObject, objectAt, stringAt, stringMapAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import type { ServedResource } from './resourceCatalog.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  description: string;
  cell: (object: KubernetesObject, now: number) => unknown;
}

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  cell: (o) => stringAt(objectAt(o, 'metadata'), 'name') ?? '',
};
const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => age(stringAt(objectAt(o, 'metadata'), 'creationTimestamp'), now),
};

/** Whether the Accept header asks for `meta.k8s.io/v1` Tables (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** A `meta.k8s.io/v1` Table of `objects`, with the columns kubectl shows for the resource. */
export function toTable(
  resource: ServedResource,
  version: string,
  objects: readonly KubernetesObject[],
  listMetadata: KubernetesObject,
  now: number,
): KubernetesObject {
  const columns = columnsOf(resource, version);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => c.cell(object, now)),
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: objectAt(object, 'metadata') ?? {},
      },
    })),
  };
}

function columnsOf(resource: ServedResource, version: string): Column[] {
  if (resource.group === '' && resource.resource === 'pods') {
    return [
      nameColumn,
      {
        name: 'Ready',
        type: 'string',
        description: 'The aggregate readiness state of this pod for accepting traffic.',
        cell: (o) => {
          const containers = objectAt(o, 'spec')?.['containers'];
          const total = Array.isArray(containers) ? containers.length : 0;
          return `${stringAt(objectAt(o, 'status'), 'phase') === 'Running' ? total : 0}/${total}`;
        },
      },
      {
        name: 'Status',
        type: 'string',
        description: 'The aggregate status of the containers in this pod.',
        cell: (o) =>
          objectAt(o, 'metadata')?.['deletionTimestamp'] === undefined
            ? (stringAt(objectAt(o, 'status'), 'phase') ?? 'Pending')
            : 'Terminating',
      },
      {
        name: 'Restarts',
        type: 'string',
        description: 'The number of times the containers in this pod have been restarted.',
        cell: () => '0',
      },
      ageColumn,
      {
        name: 'IP',
        type: 'string',
        priority: 1,
        description: 'IP address allocated to the pod.',
        cell: (o) => stringAt(objectAt(o, 'status'), 'podIP') ?? '<none>',
      },
      {
        name: 'Node',
        type: 'string',
        priority: 1,
        description: 'Name of the Node the Pod is assigned to.',
        cell: (o) => stringAt(objectAt(o, 'spec'), 'nodeName') ?? '<none>',
      },
    ];
  }
  if (resource.group === '' && resource.resource === 'nodes') {
    return [
      nameColumn,
      {
        name: 'Status',
        type: 'string',
        description: 'The status of the node',
        cell: () => 'Ready',
      },
      {
        name: 'Roles',
        type: 'string',
        description: 'The roles of the node',
        cell: (o) => {
          const roles = Object.keys(stringMapAt(objectAt(o, 'metadata'), 'labels'))
            .filter((k) => k.startsWith('node-role.kubernetes.io/'))
            .map((k) => k.slice('node-role.kubernetes.io/'.length));
          return roles.length === 0 ? '<none>' : roles.join(',');
        },
      },
      ageColumn,
      {
        name: 'Version',
        type: 'string',
        description: 'Kubelet Version reported by the node.',
        cell: (o) => stringAt(objectAt(objectAt(o, 'status'), 'nodeInfo'), 'kubeletVersion') ?? '',
      },
    ];
  }
  if (resource.group === '' && resource.resource === 'namespaces') {
    return [
      nameColumn,
      {
        name: 'Status',
        type: 'string',
        description: 'The status of the namespace',
        cell: (o) => stringAt(objectAt(o, 'status'), 'phase') ?? 'Active',
      },
      ageColumn,
    ];
  }
  if (resource.resource === 'events') {
    return [
      {
        name: 'Last Seen',
        type: 'string',
        description: 'Time of the last occurrence',
        cell: (o, now) =>
          age(
            stringAt(o, 'lastTimestamp') ??
              stringAt(o, 'eventTime') ??
              stringAt(objectAt(o, 'metadata'), 'creationTimestamp'),
            now,
          ),
      },
      {
        name: 'Type',
        type: 'string',
        description: 'Type of this event',
        cell: (o) => stringAt(o, 'type') ?? '',
      },
      {
        name: 'Reason',
        type: 'string',
        description: 'Why the action was taken',
        cell: (o) => stringAt(o, 'reason') ?? '',
      },
      {
        name: 'Object',
        type: 'string',
        description: 'The object this event is about',
        cell: (o) => {
          const ref = objectAt(o, 'involvedObject') ?? objectAt(o, 'regarding');
          return `${(stringAt(ref, 'kind') ?? '').toLowerCase()}/${stringAt(ref, 'name') ?? ''}`;
        },
      },
      {
        name: 'Message',
        type: 'string',
        description: 'A description of the status of this operation',
        cell: (o) => stringAt(o, 'message') ?? stringAt(o, 'note') ?? '',
      },
    ];
  }
  if (resource.group === 'coordination.k8s.io') {
    return [
      nameColumn,
      {
        name: 'Holder',
        type: 'string',
        description: 'The holder of the lease',
        cell: (o) => stringAt(objectAt(o, 'spec'), 'holderIdentity') ?? '',
      },
      ageColumn,
    ];
  }
  const printerColumns = resource.printerColumns[version] ?? [];
  const columns: Column[] = [nameColumn];
  for (const column of printerColumns) {
    columns.push({
      name: column.name,
      type: column.type === 'date' ? 'string' : column.type,
      description: column.description ?? '',
      ...(column.priority === undefined ? {} : { priority: column.priority }),
      cell: (o, now) => {
        const value = evaluateJsonPath(o, column.jsonPath);
        if (value === undefined) return null;
        if (column.type === 'date' && typeof value === 'string') return age(value, now);
        return typeof value === 'object' ? JSON.stringify(value) : value;
      },
    });
  }
  if (!printerColumns.some((c) => c.name === 'Age')) columns.push(ageColumn);
  return columns;
}

/** The simple JSONPath CRD printer columns use: `.spec.a.b`, optionally with `[0]` indexes. */
function evaluateJsonPath(object: KubernetesObject, path: string): unknown {
  const trimmed = path.replace(/^\{|\}$/g, '').replace(/^\$/, '');
  let value: unknown = object;
  for (const part of trimmed.split('.').filter((p) => p !== '')) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (match === null) return undefined;
    value = isJsonObject(value) ? value[match[1] ?? ''] : undefined;
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) {
      value = Array.isArray(value) ? value[Number(index[1])] : undefined;
    }
  }
  return value;
}

/** kubectl's short age: 45s, 12m, 5h, 3d. */
function age(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (Number.isNaN(seconds)) return '<unknown>';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
