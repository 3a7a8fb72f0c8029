/** A kind of node agent failure. */
export type NodeAgentErrorKind =
  /** Another process answers on the socket path: a second agent must not steal it. */
  | 'SocketInUse'
  /** The socket path holds something that is not a socket; the agent does not delete files. */
  | 'SocketPathTaken'
  /** The server could not listen (permissions, missing directory …). */
  | 'ListenFailed';

/** The error of the node agent's HTTP endpoint, naming the socket path. */
export class NodeAgentError extends Error {
  override readonly name = 'NodeAgentError';

  constructor(
    readonly kind: NodeAgentErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }

  /** True when `error` is a `NodeAgentError`, of `kind` when one is given. */
  static is(error: unknown, kind?: NodeAgentErrorKind): error is NodeAgentError {
    return error instanceof NodeAgentError && (kind === undefined || error.kind === kind);
  }
}
