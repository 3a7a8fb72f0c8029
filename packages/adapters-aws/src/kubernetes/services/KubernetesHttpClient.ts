import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { AllocatorError } from '@podsg/allocator';
import { toAllocatorError, transportError } from '../calculations/toAllocatorError.js';
import type { KubernetesRequest } from '../models/KubernetesRequest.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';

/** Options of `KubernetesHttpClient`. */
export interface KubernetesHttpClientOptions {
  /** A non-streaming request fails (`Transient`, code `Timeout`) after this long without a byte; default 30 s. */
  requestTimeoutMs?: number;
  /** `User-Agent` header; default `podsg`. */
  userAgent?: string;
}

/**
 * The adapter's HTTP transport: raw requests authenticated by client-node's `KubeConfig` (bearer
 * tokens, token files, exec and OIDC plugins, client certificates, the cluster's CA), over one
 * keep-alive agent. Raw rather than client-node's typed API objects: a list of 100,000 pods
 * parsed into generated model classes costs several times the memory and time of plain JSON, and
 * client-node's `Watch` drops unparsable lines silently and hides `Retry-After`.
 */
export class KubernetesHttpClient implements KubernetesTransport {
  readonly #kubeConfig: KubeConfig;
  readonly #requestTimeoutMs: number;
  readonly #userAgent: string;
  #agent: http.Agent | null = null;
  #agentKey = '';

  constructor(kubeConfig: KubeConfig, options: KubernetesHttpClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) {
      throw new AllocatorError(
        'Invalid',
        'KubernetesHttpClient: the kubeconfig has no current cluster',
      );
    }
    let server: URL;
    try {
      server = new URL(cluster.server);
    } catch {
      throw new AllocatorError(
        'Invalid',
        `KubernetesHttpClient: cluster.server '${cluster.server}' is not a URL`,
      );
    }
    if (server.protocol !== 'https:' && server.protocol !== 'http:') {
      throw new AllocatorError(
        'Invalid',
        `KubernetesHttpClient: cluster.server '${cluster.server}' is not http(s)`,
      );
    }
    this.#kubeConfig = kubeConfig;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'podsg';
  }

  /** Sends `request`; resolves to the parsed JSON body of a 2xx reply. */
  async request(request: KubernetesRequest): Promise<unknown> {
    const { response, body } = await this.#send(request, this.#requestTimeoutMs);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      throw toAllocatorError(request.operation, status, body, header(response, 'retry-after'));
    }
    if (body.length === 0) return null;
    try {
      return JSON.parse(body) as unknown;
    } catch (error) {
      throw transportError(request.operation, 'MalformedResponse', 'the reply is not JSON', error);
    }
  }

  /** Streams the lines of a 200 reply to `onLine` (watches). */
  async stream(
    request: KubernetesRequest,
    onLine: (line: string) => void,
    signal: AbortSignal,
    idleTimeoutMs: number,
  ): Promise<void> {
    if (signal.aborted) return;
    const options = await this.#options(request);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error('stream failed'));
      };
      const onAbort = (): void => {
        req.destroy();
        finish();
      };
      const req = this.#module().request(options, (response) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          collect(
            response,
            (text) => {
              finish(
                toAllocatorError(request.operation, status, text, header(response, 'retry-after')),
              );
            },
            finish,
          );
          return;
        }
        response.setEncoding('utf8');
        let pending = '';
        response.on('data', (chunk: string) => {
          if (settled) return;
          pending += chunk;
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            if (line.trim().length > 0) {
              try {
                onLine(line);
              } catch (error) {
                req.destroy();
                finish(error);
                return;
              }
            }
            newline = pending.indexOf('\n');
          }
        });
        response.on('end', () => {
          if (pending.trim().length > 0 && !settled) {
            try {
              onLine(pending);
            } catch (error) {
              finish(error);
              return;
            }
          }
          finish();
        });
        response.on('error', (error) => {
          finish(transportError(request.operation, networkReason(error), error.message, error));
        });
        response.on('aborted', () => {
          finish(transportError(request.operation, 'ConnectionReset', 'the stream was cut'));
        });
      });
      req.setTimeout(idleTimeoutMs, () => {
        req.destroy();
        finish(transportError(request.operation, 'Timeout', `no data for ${idleTimeoutMs} ms`));
      });
      req.on('error', (error) => {
        finish(transportError(request.operation, networkReason(error), error.message, error));
      });
      signal.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = null;
  }

  #send(
    request: KubernetesRequest,
    timeoutMs: number,
  ): Promise<{ response: http.IncomingMessage; body: string }> {
    return this.#options(request).then(
      (options) =>
        new Promise((resolve, reject) => {
          const body = request.body === undefined ? undefined : JSON.stringify(request.body);
          const req = this.#module().request(options, (response) => {
            collect(
              response,
              (text) => {
                resolve({ response, body: text });
              },
              (error) => {
                reject(
                  transportError(request.operation, networkReason(error), error.message, error),
                );
              },
            );
          });
          req.setTimeout(timeoutMs, () => {
            req.destroy(
              transportError(request.operation, 'Timeout', `no reply within ${timeoutMs} ms`),
            );
          });
          req.on('error', (error) => {
            reject(
              AllocatorError.is(error)
                ? error
                : transportError(request.operation, networkReason(error), error.message, error),
            );
          });
          req.end(body);
        }),
    );
  }

  async #options(request: KubernetesRequest): Promise<https.RequestOptions> {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (cluster === null) {
      throw new AllocatorError(
        'Invalid',
        `${request.operation}: the kubeconfig has no current cluster`,
      );
    }
    const options: https.RequestOptions = {};
    try {
      // Fresh each time: token files and exec plugins rotate credentials.
      await this.#kubeConfig.applyToHTTPSOptions(options);
    } catch (error) {
      throw new AllocatorError(
        'Unauthorized',
        `${request.operation}: no credentials from the kubeconfig: ${(error as Error).message}`,
        { code: 'Credentials', cause: error },
      );
    }
    const url = new URL(cluster.server.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
    };
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
    }
    if (request.body !== undefined)
      headers['Content-Type'] = request.contentType ?? 'application/json';
    return {
      ...options,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: url.pathname + url.search,
      method: request.method,
      headers,
      agent: cluster.proxyUrl === undefined ? this.#sharedAgent(url, options) : options.agent,
    };
  }

  /**
   * One keep-alive agent per TLS identity: client-node makes a new agent per request, which
   * would open a connection (and a TLS handshake) for every page of a list.
   */
  #sharedAgent(url: URL, options: https.RequestOptions): http.Agent {
    const key = [
      url.protocol,
      options.ca,
      options.cert,
      options.key,
      options.rejectUnauthorized,
      options.servername,
    ]
      .map((part) =>
        Buffer.isBuffer(part) ? part.toString('base64') : JSON.stringify(part ?? null),
      )
      .join('|');
    if (this.#agent === null || key !== this.#agentKey) {
      this.#agent?.destroy();
      this.#agentKey = key;
      this.#agent =
        url.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, maxSockets: 16 })
          : new http.Agent({ keepAlive: true, maxSockets: 16 });
    }
    return this.#agent;
  }

  #module(): typeof https | typeof http {
    const cluster = this.#kubeConfig.getCurrentCluster();
    return cluster?.server.startsWith('http:') === true ? http : https;
  }
}

function collect(
  response: http.IncomingMessage,
  done: (text: string) => void,
  failed: (error: Error) => void,
): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => {
    done(Buffer.concat(chunks).toString('utf8'));
  });
  response.on('error', failed);
  response.on('aborted', () => {
    failed(new Error('the reply was cut'));
  });
}

function header(response: http.IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function networkReason(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : 'NetworkError';
}
