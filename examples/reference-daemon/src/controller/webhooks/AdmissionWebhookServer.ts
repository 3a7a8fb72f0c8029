import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import {
  PolicyValidationError,
  reviewPodAnnotations,
  reviewPodMutation,
  reviewSecurityGroupPolicy,
} from '@podsg/policy';
import type { AdmissionReview } from '@podsg/policy';
import type { DaemonLog } from '../../daemon/ports/DaemonLog.js';
import type { ControllerMetrics } from '../metrics/ControllerMetrics.js';
import type { PolicyCache } from './PolicyCache.js';

/** The paths served, as the webhook configurations in `deploy/` name them. */
export const WEBHOOK_PATHS = {
  mutatePod: '/mutate-v1-pod',
  validatePod: '/validate-v1-pod',
  validatePolicy: '/validate-vpcresources-k8s-aws-v1beta1-securitygrouppolicy',
} as const;

/**
 * The largest review body accepted: 4 MiB. An AdmissionReview of an UPDATE carries the object
 * twice, and the API server accepts objects up to ~1.5 MiB (etcd's limit) plus its own 3 MiB
 * request cap; anything larger is not a review from the API server.
 */
export const MAX_REVIEW_BYTES = 4 * 1024 * 1024;

/** Options of `AdmissionWebhookServer`. */
export interface AdmissionWebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: { cert: string; key: string };
  readonly cache: PolicyCache;
  /** Usernames allowed to write `vpc.amazonaws.com/pod-eni` (the controller's service account). */
  readonly controllerUsernames: readonly string[];
  readonly metrics: ControllerMetrics;
  readonly log: DaemonLog;
}

type Handler = (review: AdmissionReview) => Promise<AdmissionReview> | AdmissionReview;

/**
 * podsg's admission webhooks over HTTPS (TLS 1.2 or later), served by every controller replica:
 * `POST /mutate-v1-pod` (`reviewPodMutation`: pod-eni resource requests from the policies),
 * `POST /validate-v1-pod` (`reviewPodAnnotations`: only the controller writes the pod-eni
 * annotation) and `POST /validate-vpcresources-k8s-aws-v1beta1-securitygrouppolicy`
 * (`reviewSecurityGroupPolicy`). A body that is not an AdmissionReview gets HTTP 400 with the
 * reason, a body over {@link MAX_REVIEW_BYTES} 413, other methods 405, other paths 404; a
 * failure inside a review 500. Never a crash. `setSecureContext` swaps the certificate in place.
 */
export class AdmissionWebhookServer {
  readonly #options: AdmissionWebhookServerOptions;
  readonly #server: Server;
  readonly #routes: ReadonlyMap<string, Handler>;
  #accepting = true;

  constructor(options: AdmissionWebhookServerOptions) {
    this.#options = options;
    const { cache } = options;
    this.#routes = new Map<string, Handler>([
      [
        WEBHOOK_PATHS.mutatePod,
        (review) =>
          reviewPodMutation(review, {
            policies: cache.policies,
            serviceAccountLabels: (namespace, name) => cache.serviceAccountLabels(namespace, name),
          }),
      ],
      [
        WEBHOOK_PATHS.validatePod,
        (review) =>
          reviewPodAnnotations(review, { controllerUsernames: options.controllerUsernames }),
      ],
      [WEBHOOK_PATHS.validatePolicy, (review) => reviewSecurityGroupPolicy(review)],
    ]);
    this.#server = createServer({ ...options.tls, minVersion: 'TLSv1.2' }, (req, res) => {
      this.#handle(req, res);
    });
    // The API server keeps connections open; a slow or stuck client must not hold a socket.
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  /** The port listened on (useful with port 0). */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Starts listening. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#options.log.info({ port: this.port }, 'admission webhooks listening (HTTPS)');
  }

  /** Replaces the serving certificate; new connections use it at once. */
  setSecureContext(tls: SecureContextOptions): void {
    this.#server.setSecureContext({ ...tls, minVersion: 'TLSv1.2' });
  }

  /**
   * Stops taking connections, answers requests already read, then closes (idle keep-alive
   * connections at once). Resolves when every connection is closed or after `graceMs`.
   */
  async close(graceMs = 5_000): Promise<void> {
    this.#accepting = false;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.#server.closeAllConnections();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const route = this.#routes.get(path);
    const webhook = route === undefined ? 'unknown' : path.slice(1);
    const fail = (status: number, reason: string, message: string): void => {
      this.#options.metrics.countBadWebhookRequest(webhook, reason);
      send(res, status, { reason, message }, !this.#accepting);
    };
    if (route === undefined) {
      fail(404, 'UnknownPath', `no webhook at ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      fail(405, 'MethodNotAllowed', `${String(req.method)} ${path}: only POST`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_REVIEW_BYTES) {
        tooLarge = true;
        fail(
          413,
          'RequestEntityTooLarge',
          `admission review larger than ${MAX_REVIEW_BYTES} bytes`,
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined); // A client that goes away is not an error of ours.
    req.on('end', () => {
      if (tooLarge) return;
      let review: AdmissionReview;
      try {
        review = parseReview(Buffer.concat(chunks, size).toString('utf8'));
      } catch (error) {
        fail(400, 'BadRequest', error instanceof Error ? error.message : String(error));
        return;
      }
      Promise.resolve()
        .then(() => route(review))
        .then(
          (answer) => {
            const seconds = (performance.now() - started) / 1000;
            this.#options.metrics.observeWebhook(
              webhook,
              answer.response?.allowed === true,
              seconds,
            );
            send(res, 200, answer, !this.#accepting);
          },
          (error: unknown) => {
            if (PolicyValidationError.is(error, 'InvalidAdmissionReview')) {
              fail(400, 'BadRequest', error.message);
              return;
            }
            this.#options.log.error(
              {
                webhook,
                err: error instanceof Error ? (error.stack ?? error.message) : String(error),
              },
              'admission review failed',
            );
            fail(500, 'InternalError', 'the review failed inside the webhook; see its log');
          },
        );
    });
  }
}

/** The body as an AdmissionReview, or an Error naming what is wrong. */
function parseReview(text: string): AdmissionReview {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new Error(`body is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error('body is not a JSON object');
  }
  const { apiVersion, kind } = body as Record<string, unknown>;
  if (kind !== 'AdmissionReview') {
    throw new Error(`kind: expected "AdmissionReview", got ${JSON.stringify(kind)}`);
  }
  if (apiVersion !== 'admission.k8s.io/v1' && apiVersion !== 'admission.k8s.io/v1beta1') {
    throw new Error(
      `apiVersion: expected "admission.k8s.io/v1", got ${JSON.stringify(apiVersion)}`,
    );
  }
  return body as AdmissionReview;
}

function send(res: ServerResponse, status: number, body: unknown, closing: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...(closing ? { connection: 'close' } : {}),
  });
  res.end(text);
}
