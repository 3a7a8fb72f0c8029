/** One EC2 action tried with `DryRun` by the preflight. */
export interface Ec2PreflightAction {
  readonly action: string;
  readonly allowed: boolean;
  /** The IAM permission to grant when not allowed, e.g. `ec2:AssociateTrunkInterface`. */
  readonly missingPermission?: string;
  /** EC2's error code when not allowed. */
  readonly code?: string;
  readonly message?: string;
}

/** What `preflightEc2Permissions` found: per action, and whether trunking can work at all. */
export interface Ec2PreflightReport {
  readonly actions: readonly Ec2PreflightAction[];
  /** False when the account may not associate branches with trunks (allowlisted feature). */
  readonly trunkingAllowed: boolean;
}
