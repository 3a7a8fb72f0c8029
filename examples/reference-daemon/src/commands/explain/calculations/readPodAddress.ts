import { POD_ENI_ANNOTATION } from '@podsg/policy';
import { isIP } from 'node:net';
import { parsePodEniAnnotation } from '@podsg/allocator';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainedPod } from '../models/ExplainReport.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';
import { describeManifestSource } from './describeManifestSource.js';
import { isPlainObject } from './readObjectMeta.js';

/** The pod's address and where it came from; both null when the pod has none yet. */
export interface PodAddress {
  readonly address: string | null;
  readonly source: 'pod-eni annotation' | 'status.podIP' | null;
}

/**
 * The address the pod's traffic leaves from: `privateIp` of element 0 of its
 * `vpc.amazonaws.com/pod-eni` annotation (its branch ENI) when present, else `status.podIP`,
 * else none. `pod` is what `selectPod` returned from the same `documents`.
 *
 * @throws PodsgdCliError `InvalidInput` naming the field when the annotation or `status.podIP`
 * is malformed
 */
export function readPodAddress(
  documents: readonly ManifestDocument[],
  pod: ExplainedPod,
): PodAddress {
  const content = documents.find((document) => document.source === pod.source)?.content;
  const where = describeManifestSource(pod.source);
  const fail = (field: string, message: string): PodsgdCliError =>
    new PodsgdCliError('InvalidInput', `${where}: ${field}: ${message}`, pod.source.file);
  if (!isPlainObject(content)) return { address: null, source: null };
  const metadata = content['metadata'];
  const annotations = isPlainObject(metadata) ? metadata['annotations'] : undefined;
  const annotation = isPlainObject(annotations) ? annotations[POD_ENI_ANNOTATION] : undefined;
  if (annotation !== undefined) {
    const field = `metadata.annotations["${POD_ENI_ANNOTATION}"]`;
    if (typeof annotation !== 'string') throw fail(field, 'must be a string');
    const parsed = parsePodEniAnnotation(annotation);
    if (!parsed.ok) throw fail(field, parsed.problem);
    return { address: parsed.branch.privateIp, source: 'pod-eni annotation' };
  }
  const status = content['status'];
  const podIp = isPlainObject(status) ? status['podIP'] : undefined;
  if (podIp === undefined) return { address: null, source: null };
  if (typeof podIp !== 'string' || isIP(podIp) === 0) {
    throw fail('status.podIP', `must be an IP address, got ${JSON.stringify(podIp)}`);
  }
  return { address: podIp, source: 'status.podIP' };
}
