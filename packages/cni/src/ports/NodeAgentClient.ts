import type { AgentPodAnswer } from '../models/AgentPodAnswer.js';

/**
 * Asks the node agent about pods (DESIGN.md, "Node agent protocol").
 *
 * Both methods are read-only and safe to retry.
 */
export interface NodeAgentClient {
  /**
   * The agent's answer for a pod, or null when the agent does not know it (HTTP 404). With
   * `podUid` (the runtime's `K8S_POD_UID`) the agent answers only for that incarnation of the
   * pod: a pod re-created under the same name is "unknown" (404 `UidMismatch`) to the old one's
   * DEL, so it never tears down the new pod's branch.
   * Throws `CniError` of kind `AgentUnavailable` when the agent cannot be reached, times out or
   * is not ready (naming the socket and the cause), and `InvalidAgentAnswer` naming the field
   * when it answers something that is not the protocol.
   */
  lookupPod(namespace: string, name: string, podUid?: string): Promise<AgentPodAnswer | null>;

  /** True when `GET /v1/healthz` answers `{"ok": true}`; never throws. */
  healthy(): Promise<boolean>;
}
