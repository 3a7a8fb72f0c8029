import { CniError } from '@podsg/cni';
import type { AgentPodAnswer, NodeAgentClient } from '@podsg/cni';
import { answerPodQuestion, type NodeAgentPodSource } from '../calculations/answerPodQuestion.js';

/**
 * `NodeAgentClient` for a CNI call the agent runs itself (`POST /v1/cni`): the question the
 * plugin would send over the socket becomes a call on the pod source, with the same answers as
 * `GET /v1/pods/…` (not synced: `AgentUnavailable`; unknown or another UID: null).
 */
export class PodSourceAgentClient implements NodeAgentClient {
  readonly #pods: NodeAgentPodSource;
  readonly #onAnswer:
    ((namespace: string, name: string, answer: AgentPodAnswer) => void) | undefined;

  constructor(
    pods: NodeAgentPodSource,
    onAnswer?: (namespace: string, name: string, answer: AgentPodAnswer) => void,
  ) {
    this.#pods = pods;
    this.#onAnswer = onAnswer;
  }

  lookupPod(namespace: string, name: string, podUid?: string): Promise<AgentPodAnswer | null> {
    const found = answerPodQuestion(this.#pods, namespace, name, podUid ?? null);
    switch (found.kind) {
      case 'NotSynced':
        return Promise.reject(
          new CniError('AgentUnavailable', 'the node agent has not listed the pods yet', {
            details: 'NotSynced',
          }),
        );
      case 'NotFound':
      case 'UidMismatch':
        return Promise.resolve(null);
      case 'Found':
        this.#onAnswer?.(namespace, name, found.answer);
        return Promise.resolve(found.answer);
    }
  }

  healthy(): Promise<boolean> {
    return Promise.resolve(this.#pods.synced);
  }
}
