/** One problem found in an input: where it is and what is wrong. */
export interface ValidationIssue {
  /** The field, e.g. `spec.securityGroups.groupIds[1]`; `<root>` for the input itself. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * What was invalid:
 * - `InvalidPolicy`: a SecurityGroupPolicy failed validation;
 * - `InvalidAdmissionReview`: an AdmissionReview lacks a request or its uid;
 * - `InvalidJsonPatch`: a JSON Patch could not be applied;
 * - `InvalidSecurityGroups`: security groups (`describe-security-groups` output) failed validation;
 * - `InvalidNetworkInterfaces`: interfaces (`describe-network-interfaces` output) failed validation;
 * - `InvalidReachabilityQuery`: a reachability model or flow is inconsistent.
 */
export type PolicyValidationErrorKind =
  | 'InvalidPolicy'
  | 'InvalidAdmissionReview'
  | 'InvalidJsonPatch'
  | 'InvalidSecurityGroups'
  | 'InvalidNetworkInterfaces'
  | 'InvalidReachabilityQuery';

/**
 * The one error class of `@podsg/policy`. It lists every issue found, not only the first, and
 * its message names the object and every field (`path: message; …`).
 */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';

  /**
   * @param kind - what was invalid
   * @param subject - the object, for the message (e.g. `SecurityGroupPolicy default/web`)
   * @param issues - every problem found; at least one
   */
  constructor(
    readonly kind: PolicyValidationErrorKind,
    readonly subject: string,
    readonly issues: readonly ValidationIssue[],
    options?: { cause?: unknown },
  ) {
    super(`${subject} is invalid: ${formatValidationIssues(issues)}`, options);
  }

  /** True when `error` is a PolicyValidationError, of the given kind when one is given. */
  static is(error: unknown, kind?: PolicyValidationErrorKind): error is PolicyValidationError {
    return error instanceof PolicyValidationError && (kind === undefined || error.kind === kind);
  }
}

/** Formats issues as `path: message; path: message`. */
export function formatValidationIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}
