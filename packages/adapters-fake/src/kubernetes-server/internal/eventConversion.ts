import type { KubernetesObject } from '../../models/KubernetesObject.js';

/** Field pairs: `events.k8s.io/v1` name → core `v1` name (the API server converts between them). */
const RENAMED: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];
const SHARED = [
  'metadata',
  'reason',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingInstance',
];

/** A core `v1` Event as `events.k8s.io/v1` shows it (both APIs share one store). */
export function eventFromCore(event: KubernetesObject): KubernetesObject {
  const out: KubernetesObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  for (const field of SHARED) if (event[field] !== undefined) out[field] = event[field];
  for (const [name, coreName] of RENAMED)
    if (event[coreName] !== undefined) out[name] = event[coreName];
  return out;
}

/** An `events.k8s.io/v1` Event as the core `v1` store keeps it. */
export function eventToCore(event: KubernetesObject): KubernetesObject {
  const out: KubernetesObject = { apiVersion: 'v1', kind: 'Event' };
  for (const field of SHARED) if (event[field] !== undefined) out[field] = event[field];
  for (const [name, coreName] of RENAMED)
    if (event[name] !== undefined) out[coreName] = event[name];
  return out;
}
