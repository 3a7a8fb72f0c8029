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

  lookupPod(namespace: string, name: string): Promise<AgentPodAnswer | null> {
    if (!this.reachable) return Promise.reject(new CniError('AgentUnavailable', 'connect ENOENT'));
    return Promise.resolve(this.pods.get(`${namespace}/${name}`) ?? null);
  }

  healthy(): Promise<boolean> {
    return Promise.resolve(this.reachable);
  }
}
