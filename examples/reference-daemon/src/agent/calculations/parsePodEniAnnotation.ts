import type { BranchAttachment } from '@podsg/cni';
import { parseBranchAttachment } from '../../cni/calculations/parseBranchAttachment.js';

/** The outcome of `parsePodEniAnnotation`: element 0 of the annotation, or why it is unusable. */
export type PodEniAnnotationParse =
  { ok: true; branch: BranchAttachment } | { ok: false; problem: string };

/**
 * Reads the `vpc.amazonaws.com/pod-eni` annotation as EKS writes it: a JSON array of branch
 * objects of which readers take element 0 (keys case-sensitive: `vlanId`, not `vlanID`).
 */
export function parsePodEniAnnotation(value: string): PodEniAnnotationParse {
  let decoded: unknown;
  try {
    decoded = JSON.parse(value);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  if (!Array.isArray(decoded)) return { ok: false, problem: 'is not a JSON array' };
  if (decoded.length === 0) return { ok: false, problem: 'is an empty array' };
  const parsed = parseBranchAttachment(decoded[0], '[0]');
  if (!parsed.ok) return { ok: false, problem: `field ${parsed.field} ${parsed.problem}` };
  return parsed;
}
