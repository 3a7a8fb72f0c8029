import type { BranchAttachment } from './BranchAttachment.js';

/**
 * The node agent's answer about one pod (docs/architecture.md, "Pod networking and the agent protocol"):
 * `GET /v1/pods/{namespace}/{name}`.
 */
export type AgentPodAnswer =
  | { podUid: string; required: false }
  | {
      podUid: string;
      required: true;
      /** Element 0 of the pod's annotation, or null when the controller has not annotated it yet. */
      branch: BranchAttachment | null;
      /** The node's trunk link (e.g. `eth1`) that VLAN devices are created on. */
      trunkLink: string;
    };
