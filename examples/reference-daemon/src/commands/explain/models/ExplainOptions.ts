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
  /** Print the report as JSON. */
  readonly json?: boolean;
}
