import type { FakeCluster } from '../../services/FakeCluster.js';
import type { TlsCertificates } from '../issueTlsCertificates.js';

/** The request verbs faults can target (Kubernetes' own verb names). */
export type KubernetesVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/**
 * A failure injected into matching requests with probability `rate` (seeded):
 * - `throttle`: 429 TooManyRequests with `Retry-After: retryAfterSeconds` (default 1), nothing done;
 * - `error`: `status` (500 InternalError, 503 ServiceUnavailable or 504 Timeout; default 500), nothing done;
 * - `slow`: the request waits `delayMs` (default 1000) first, then runs;
 * - `lostReply`: the request takes effect, then the connection is cut before any reply;
 * - `dropWatch`: a watch is cut, without a final event, after up to `delayMs` (default 1000);
 * - `expireWatch`: a watch gets an ERROR event 410 `Expired` after up to `delayMs` (default
 *   1000) and ends, as when the API server's watch cache moved past it: the client must relist;
 * - `conflict`: an update or patch is refused with 409 `Conflict`, nothing done.
 */
export interface KubernetesFaultRule {
  fault: 'throttle' | 'error' | 'slow' | 'lostReply' | 'dropWatch' | 'expireWatch' | 'conflict';
  rate: number;
  /** Default every verb. */
  verb?: KubernetesVerb | '*';
  /** The plural resource (`pods`, `leases`, `securitygrouppolicies`); default every resource. */
  resource?: string;
  retryAfterSeconds?: number;
  delayMs?: number;
  status?: 500 | 503 | 504;
}

/** A user the server knows, by bearer token. */
export interface FakeKubernetesUser {
  username: string;
  groups: readonly string[];
}

/** Options of `FakeKubernetesServer.start`. */
export interface FakeKubernetesServerOptions {
  /** The model served. Create it with `admission: false` to have registered webhooks called instead of podsg's built-in ones. */
  cluster: FakeCluster;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** TLS: certificates to serve with, `false` for plain HTTP; default a fresh CA and certificate for the host. */
  tls?: TlsCertificates | false;
  /** Object changes kept for watches that resume (older resourceVersions get 410 Gone); default 10,000. */
  watchHistory?: number;
  /** How often watches that allow bookmarks get one; default 60,000 ms. */
  bookmarkIntervalMs?: number;
  /** Longest watch before the server ends it (clients re-watch); default 1,800 s, as the API server's minimum. */
  maxWatchSeconds?: number;
  /** Injected failures; default none. */
  faults?: readonly KubernetesFaultRule[];
  /** Seed of the fault draws; default 1. */
  seed?: number;
  /** Namespaces created at start when absent; default default, kube-system, kube-public, kube-node-lease. */
  namespaces?: readonly string[];
}
