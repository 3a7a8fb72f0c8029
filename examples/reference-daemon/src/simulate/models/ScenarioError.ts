/** One thing wrong with a scenario file, at a path such as `cluster.nodes[1].instanceType`. */
export interface ScenarioIssue {
  path: string;
  message: string;
}

/** A scenario file that cannot be simulated; `podsgd simulate` exits 2 with every issue. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';

  constructor(
    readonly issues: readonly ScenarioIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid scenario: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      options,
    );
  }

  /** True when `error` is a `ScenarioError`. */
  static is(error: unknown): error is ScenarioError {
    return error instanceof ScenarioError;
  }
}
