import { CniError, type AgentPodAnswer, type NodeAgentClient } from '@podsg/cni';

/**
 * The node agent as `podsg-cni` sees it (`NodeAgentClient`), answering from a map as the real
 * agent answers from its pod cache. Set `reachable` to false to model an agent that is down:
 * lookups then fail with `AgentUnavailable` and `healthy()` is false.
 */
export class FakeNodeAgent implements NodeAgentClient {
  /** Answers by `namespace/name`; a pod missing here is one the agent does not know (404). */
  readonly pods = new Map<string, AgentPodAnswer>();
  /** Whether the agent answers at all. */
  reachable = true;

  /** The answer for the pod; null when unknown, or known under another UID than `podUid`. */
  lookupPod(namespace: string, name: string, podUid?: string): Promise<AgentPodAnswer | null> {
    if (!this.reachable) return Promise.reject(new CniError('AgentUnavailable', 'connect ENOENT'));
    const answer = this.pods.get(`${namespace}/${name}`) ?? null;
    return Promise.resolve(podUid !== undefined && answer?.podUid !== podUid ? null : answer);
  }

  healthy(): Promise<boolean> {
    return Promise.resolve(this.reachable);
  }
}
