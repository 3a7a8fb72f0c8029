/** The options of `podsgd explain`, as commander parses them. */
export interface ExplainOptions {
  /** Policy manifest files or directories; `--policies` may be repeated. */
  readonly policies: readonly string[];
  /** The file holding the Pod. */
  readonly pod: string;
  /** The file holding the pod's ServiceAccount (and possibly others). */
  readonly serviceAccount?: string;
  /** Namespace for objects that set none. */
  readonly namespace: string;
  /** Also judge whether the pod may open a flow to `to` (needs `to` and `securityGroups`). */
  readonly reach?: boolean;
  /** `--to <sg-id|ip>:<port>[/tcp|udp]`: the target of `--reach`. */
  readonly to?: string;
  /** `--security-groups <file>`: `aws ec2 describe-security-groups` output, for `--reach`. */
  readonly securityGroups?: string;
  /** `--ec2-endpoint <url>`: read the groups of `--reach` from this EC2 endpoint. */
  readonly ec2Endpoint?: string;
  /** `--region <region>`: read the groups of `--reach` from EC2 in this region. */
  readonly region?: string;
  /** Print the report as JSON. */
  readonly json?: boolean;
}
