import type { AgentPodAnswer } from '@podsg/cni';

/** What the agent knows about pods: a `PodCache`, or anything that knows pods the same way. */
export interface NodeAgentPodSource {
  /** False until the pods are known; the agent answers "not synced" meanwhile. */
  readonly synced: boolean;
  answerFor(namespace: string, name: string): AgentPodAnswer | null;
}

/** The agent's answer to "what about pod namespace/name (of UID uid)?". */
export type PodQuestionAnswer =
  | { kind: 'NotSynced' }
  | { kind: 'NotFound' }
  | { kind: 'UidMismatch'; knownUid: string }
  | { kind: 'Found'; answer: AgentPodAnswer };

/**
 * Answers a pod question from `pods`, the same way over HTTP (`GET /v1/pods/…`) and in-process
 * (`POST /v1/cni`): nothing before the pods are listed, and with `uid` only for that incarnation
 * of the pod, so a pod re-created under the same name never gets the old one's branch.
 */
export function answerPodQuestion(
  pods: NodeAgentPodSource,
  namespace: string,
  name: string,
  uid: string | null,
): PodQuestionAnswer {
  if (!pods.synced) return { kind: 'NotSynced' };
  const answer = pods.answerFor(namespace, name);
  if (answer === null) return { kind: 'NotFound' };
  if (uid !== null && uid !== answer.podUid)
    return { kind: 'UidMismatch', knownUid: answer.podUid };
  return { kind: 'Found', answer };
}
