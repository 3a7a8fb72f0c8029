import { CniError } from '@podsg/cni';
import type { AgentPodAnswer, NodeAgentClient } from '@podsg/cni';
import { parseAgentPodAnswer } from './calculations/parseAgentPodAnswer.js';
import { readHttpResponse } from './calculations/readHttpResponse.js';

/** Options of `UnixSocketNodeAgentClient`. */
export interface UnixSocketNodeAgentClientOptions {
  /** Path of the agent's unix socket (the network configuration's `agentSocket`). */
  socketPath: string;
  /** How long one request may take, connection included; 3 000 ms when absent. */
  timeoutMs?: number;
}

/** An agent answer larger than this is not the protocol (a pod answer is a few hundred bytes). */
const MAX_BODY_BYTES = 64 * 1024;
/** Room for the status line and headers on top of the body. */
const MAX_HEAD_BYTES = 16 * 1024;

interface RawAnswer {
  status: number;
  body: string;
}

/**
 * `NodeAgentClient` speaking the DESIGN.md protocol: HTTP/1.1 over the node agent's unix socket.
 *
 * One `GET` per connection (`Connection: close`), written and read over `node:net` with
 * `readHttpResponse`: `node:http` would cost the plugin ~7 ms more on every pod start (loading
 * it and running its client for the first time), for one request of a few hundred bytes.
 * `node:net` is loaded on first use, so a run that never asks the agent does not pay for it.
 */
export class UnixSocketNodeAgentClient implements NodeAgentClient {
  readonly #socketPath: string;
  readonly #timeoutMs: number;

  constructor(options: UnixSocketNodeAgentClientOptions) {
    this.#socketPath = options.socketPath;
    this.#timeoutMs = options.timeoutMs ?? 3000;
  }

  /**
   * `GET /v1/pods/{namespace}/{name}[?uid=…]`: the answer, or null on 404 (also when the agent
   * knows the pod under another UID than `podUid`). Throws `CniError` of kind
   * `AgentUnavailable` when the socket does not answer in time or the agent answers 5xx
   * (not ready), and `InvalidAgentAnswer` naming the field when the answer breaks the protocol.
   */
  async lookupPod(
    namespace: string,
    name: string,
    podUid?: string,
  ): Promise<AgentPodAnswer | null> {
    const query = podUid === undefined ? '' : `?uid=${encodeURIComponent(podUid)}`;
    const path = `/v1/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${query}`;
    const source = `node agent ${this.#socketPath} for pod ${namespace}/${name}`;
    const answer = await this.#get(path);
    if (answer.status === 404) return null;
    if (answer.status >= 500) {
      throw new CniError(
        'AgentUnavailable',
        `${source} answered HTTP ${answer.status}: ${answer.body.slice(0, 200)}`,
        { details: this.#socketPath },
      );
    }
    if (answer.status !== 200) {
      throw new CniError('InvalidAgentAnswer', `${source} answered HTTP ${answer.status}`, {
        details: 'status',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch (cause) {
      throw new CniError('InvalidAgentAnswer', `${source}: the answer is not JSON`, {
        details: '(body)',
        cause,
      });
    }
    return parseAgentPodAnswer(body, source);
  }

  /** True when `GET /v1/healthz` answers 200 `{"ok": true}`; never throws. */
  async healthy(): Promise<boolean> {
    try {
      const answer = await this.#get('/v1/healthz');
      if (answer.status !== 200) return false;
      const body: unknown = JSON.parse(answer.body);
      return typeof body === 'object' && body !== null && (body as { ok?: unknown }).ok === true;
    } catch {
      return false;
    }
  }

  async #get(path: string): Promise<RawAnswer> {
    const { connect } = await import('node:net');
    const unavailable = (cause: unknown): CniError =>
      new CniError(
        'AgentUnavailable',
        `node agent at ${this.#socketPath} did not answer GET ${path}: ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { details: this.#socketPath, cause },
      );
    return new Promise<RawAnswer>((resolve, reject) => {
      const socket = connect(this.#socketPath);
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        socket.destroy();
        outcome();
      };
      // Bounds the whole exchange, connection included.
      const deadline = setTimeout(() => {
        settle(() => {
          reject(unavailable(new Error(`timed out after ${this.#timeoutMs} ms`)));
        });
      }, this.#timeoutMs);
      const read = (ended: boolean): void => {
        try {
          const response = readHttpResponse(Buffer.concat(chunks, size), ended);
          if (!response.complete) return;
          settle(() => {
            resolve({ status: response.status, body: response.body });
          });
        } catch (cause) {
          settle(() => {
            reject(unavailable(cause));
          });
        }
      };
      socket.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_HEAD_BYTES + MAX_BODY_BYTES) {
          settle(() => {
            reject(
              new CniError(
                'InvalidAgentAnswer',
                `node agent at ${this.#socketPath} answered GET ${path} with more than ${MAX_BODY_BYTES} bytes`,
                { details: '(body)' },
              ),
            );
          });
          return;
        }
        chunks.push(chunk);
        read(false);
      });
      socket.on('end', () => {
        read(true);
      });
      socket.on('error', (cause) => {
        settle(() => {
          reject(unavailable(cause));
        });
      });
      socket.on('close', () => {
        read(true);
      });
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: podsg-agent\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
      );
    });
  }
}
