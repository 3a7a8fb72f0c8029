import { POD_ENI_ANNOTATION } from '@podsg/allocator';
import type { ClusterPod } from '@podsg/allocator';
import type { AgentPodAnswer } from '@podsg/cni';
import { parsePodEniAnnotation } from '@podsg/allocator';

/** The agent's answer for a pod, and why its annotation was ignored when it was. */
export interface AgentAnswerForPod {
  answer: AgentPodAnswer;
  /** Set when the pod carries a `vpc.amazonaws.com/pod-eni` annotation that cannot be used. */
  annotationProblem?: string;
}

/**
 * What the node agent answers about `pod` (docs/architecture.md, "Pod networking and the agent protocol"): `required` from
 * its `vpc.amazonaws.com/pod-eni` request; `branch` from element 0 of the annotation, or null
 * while it is absent or malformed (a malformed one is reported, and the CNI plugin retries).
 */
export function agentAnswerForPod(pod: ClusterPod, trunkLink: string): AgentAnswerForPod {
  if (!pod.requestsPodEni) return { answer: { podUid: pod.uid, required: false } };
  const annotation = pod.annotations[POD_ENI_ANNOTATION];
  if (annotation === undefined) {
    return { answer: { podUid: pod.uid, required: true, branch: null, trunkLink } };
  }
  const parsed = parsePodEniAnnotation(annotation);
  if (!parsed.ok) {
    return {
      answer: { podUid: pod.uid, required: true, branch: null, trunkLink },
      annotationProblem: `annotation ${POD_ENI_ANNOTATION} ${parsed.problem}`,
    };
  }
  return { answer: { podUid: pod.uid, required: true, branch: parsed.branch, trunkLink } };
}
