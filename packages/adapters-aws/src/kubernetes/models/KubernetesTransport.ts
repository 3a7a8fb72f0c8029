import type { KubernetesRequest } from './KubernetesRequest.js';

/**
 * How the adapter reaches the API server: JSON requests and line-delimited watch streams.
 * `KubernetesHttpClient` is the production one. Failures are `AllocatorError`s whose cause is a
 * `KubernetesFailure`.
 */
export interface KubernetesTransport {
  /** Sends `request`; resolves to the parsed JSON body of a 2xx reply. */
  request(request: KubernetesRequest): Promise<unknown>;

  /**
   * Opens a streaming GET and calls `onLine` with each line of a 200 reply, in order. Resolves
   * when the server ends the stream; rejects with the mapped error of a non-200 reply, a network
   * error, an idle stream, or the error `onLine` throws (which also closes the stream). Aborting
   * `signal` closes the stream and resolves.
   */
  stream(
    request: KubernetesRequest,
    onLine: (line: string) => void,
    signal: AbortSignal,
    idleTimeoutMs: number,
  ): Promise<void>;
}
