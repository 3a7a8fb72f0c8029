/** The evaluator's answer: may the flow start, and why on each side. */
export interface ReachabilityVerdict {
  /**
   * True when both sides allow the flow (a side outside the model allows by default). Replies
   * to an allowed flow always pass: security groups are stateful.
   */
  readonly allowed: boolean;
  /** The source's side: its groups' outbound rules. */
  readonly egress: SideVerdict;
  /** The destination's side: its groups' inbound rules. */
  readonly ingress: SideVerdict;
}

/** The direction a rule applies to. */
export type RuleDirection = 'ingress' | 'egress';

/** How one side judged the flow. */
export type SideVerdict =
  | {
      readonly direction: RuleDirection;
      /** The end is not a modelled interface: no rule of this side applies. */
      readonly outcome: 'not-modelled';
      readonly reason: string;
    }
  | {
      readonly direction: RuleDirection;
      readonly outcome: 'allowed';
      readonly interfaceId: string;
      readonly groupIds: readonly string[];
      /** The first rule that allows the flow (groups in the interface's order, then rule order). */
      readonly rule: RuleReference;
      /** Groups the interface carries whose rules were not given. */
      readonly unknownGroupIds: readonly string[];
    }
  | {
      readonly direction: RuleDirection;
      readonly outcome: 'denied';
      readonly interfaceId: string;
      readonly groupIds: readonly string[];
      readonly unknownGroupIds: readonly string[];
      /** Why no rule allows it, in one sentence. */
      readonly reason: string;
      /** Rules that fail on one point only, at most three: `port 5432 not in 80-80`. */
      readonly nearMisses: readonly NearMiss[];
    };

/**
 * One rule as EC2 counts them: one peer of one permission of one group. `permissionIndex`
 * indexes `IpPermissions` (ingress) or `IpPermissionsEgress` (egress) of the group.
 */
export interface RuleReference {
  readonly groupId: string;
  readonly groupName: string | null;
  readonly direction: RuleDirection;
  readonly permissionIndex: number;
  readonly peer: RulePeer;
  /** The rule as an operator reads it: `tcp 5432 from sg-0123456789abcdef0`. */
  readonly summary: string;
}

/** The peer of a rule. */
export type RulePeer =
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'group'; readonly groupId: string }
  | { readonly kind: 'prefix-list'; readonly prefixListId: string };

/** A rule that would have allowed the flow but for one thing. */
export interface NearMiss {
  readonly rule: RuleReference;
  /** That one thing: `port 5432 not in 80-80`, `10.0.9.4 not in 10.0.3.0/24`. */
  readonly mismatch: string;
}
