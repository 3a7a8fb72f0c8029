import type { RuleReference, SideVerdict } from '@podsg/policy';
import type { ExplainReport } from './ExplainReport.js';
import type { ReachTarget } from './ReachTarget.js';

/**
 * What `podsgd explain --reach` found out, as printed by `--json`: may the pod open the flow,
 * and which rule on each side allows it. Field order and names are part of the command's
 * interface (see the package README).
 */
export interface ExplainReachReport {
  /** Both sides allow the flow (a side outside the model allows by default). */
  readonly allowed: boolean;
  /** The pod's groups, from the policies (`result.groupIds` of `explain`). */
  readonly podGroupIds: readonly string[];
  /** The pod's egress rule that allows the flow; null when none does or the side is not modelled. */
  readonly egress: RuleReference | null;
  /** The target's ingress rule that allows the flow; null when none does or the side is not modelled. */
  readonly ingress: RuleReference | null;
  /** The pod's address and where it was read. */
  readonly pod: {
    readonly namespace: string;
    readonly name: string | null;
    /** Null when the pod has none yet. */
    readonly address: string | null;
    readonly addressSource: 'pod-eni annotation' | 'status.podIP' | null;
  };
  /** The `--to` target; `groupName` is the target group's name (null for an address or an unnamed group). */
  readonly target: ReachTarget & { readonly groupName: string | null };
  /** Both sides in full: allowed with the rule, denied with the reason and near misses, or not modelled. */
  readonly sides: { readonly egress: SideVerdict; readonly ingress: SideVerdict };
  /** What the operator should know to read the verdict right. */
  readonly notes: readonly string[];
  /** The policy part, exactly as `podsgd explain --json` prints it. */
  readonly explain: ExplainReport;
}
