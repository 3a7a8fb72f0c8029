/** One request to the Kubernetes API, as the adapter's transport sends it. */
export interface KubernetesRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path from the server's root, e.g. `/api/v1/namespaces/default/pods/web-1`. */
  path: string;
  /** Query parameters; undefined values are left out. */
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** A JSON body. */
  body?: unknown;
  /** Content type of the body; `application/json` by default (patches name their type). */
  contentType?: string;
  /** What the request does, for error messages (`patch pods default/web-1`). */
  operation: string;
}
