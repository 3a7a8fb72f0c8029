import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { AgentPodAnswer, CniRunOutcome } from '@podsg/cni';
import { answerPodQuestion, type NodeAgentPodSource } from '../calculations/answerPodQuestion.js';
import { NodeAgentError } from '../errors/NodeAgentError.js';
import type { NodeAgentLog } from '../ports/NodeAgentLog.js';

export type { NodeAgentPodSource } from '../calculations/answerPodQuestion.js';

/** Runs the CNI calls of `POST /v1/cni` (in the agent: `NodeAgentCniRunner`). */
export interface NodeAgentCniCalls {
  /** The call's outcome from the request body; never throws for a malformed body. */
  run(body: Uint8Array): Promise<CniRunOutcome>;
}

/** How long `close` lets running CNI calls finish (the DaemonSet's grace period is 10 s). */
const CNI_DRAIN_MS = 5000;

/** A CNI call's body is its environment and network configuration: kilobytes. */
const MAX_CNI_CALL_BYTES = 1024 * 1024;

/** Options of `NodeAgentServer`. */
export interface NodeAgentServerOptions {
  /** The unix socket to serve on (the CNI network configuration's `agentSocket`). */
  socketPath: string;
  pods: NodeAgentPodSource;
  log: NodeAgentLog;
  /** Called for every 200 answer (the confirmed-release tracker learns which branches were wired). */
  onAnswer?: (namespace: string, name: string, answer: AgentPodAnswer) => void;
  /** Serves `POST /v1/cni` when given; without it the path is unknown (the shim falls back). */
  cniCalls?: NodeAgentCniCalls;
}

/**
 * The node agent's endpoint (docs/architecture.md, "Pod networking and the agent protocol"): HTTP/1.1 on a unix socket.
 *
 * - `GET /v1/pods/{namespace}/{name}` → 200 the pod's answer, 404 `{"reason":"NotFound"}`.
 *   With `?uid=U` (podsg-cni sends `K8S_POD_UID`) it answers only when the pod it knows has UID
 *   `U`, else 404 `{"reason":"UidMismatch"}`: a pod re-created under the same name never gets
 *   the old incarnation's branch, and the old one's DEL never sees the new one's. Clients that
 *   send no `uid` get the answer as before.
 * - `GET /v1/healthz` → 200 `{"ok":true}`.
 * - `POST /v1/cni` (with `cniCalls`): one CNI call forwarded by the podsg-cni shim (its body as
 *   `parseCniCall` reads it) → 200 with header `podsg-cni-exit-code` and the plugin's stdout as
 *   the body; 413 for a body over 1 MiB. Calls run concurrently.
 * - 503 `{"reason":"NotSynced"}` (healthz: `{"ok":false,…}`) until the pod source is synced,
 *   so an agent that just started never claims a pod is unknown; other paths 404
 *   `{"reason":"UnknownPath"}`, other methods 405 `{"reason":"MethodNotAllowed"}`.
 *
 * The socket is made mode 0600: only root (the container runtime running the CNI plugin) may
 * ask, as pod addresses and MACs are nobody else's business. A stale socket file left by a
 * crashed agent is removed at start; a socket that still answers is not (`SocketInUse`).
 */
export class NodeAgentServer {
  readonly #options: NodeAgentServerOptions;
  #server: Server | undefined;
  readonly #cniCallsRunning = new Set<Promise<void>>();

  constructor(options: NodeAgentServerOptions) {
    this.#options = options;
  }

  /** The socket path served. */
  get socketPath(): string {
    return this.#options.socketPath;
  }

  /**
   * Listens on the socket (creating its directory, mode 0755, when missing). Throws
   * `NodeAgentError` of kind `SocketInUse`, `SocketPathTaken` or `ListenFailed`.
   */
  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const { socketPath } = this.#options;
    await this.#clearStaleSocket();
    const server = createServer((req, res) => {
      this.#handle(req, res);
    });
    try {
      await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await chmod(socketPath, 0o600);
    } catch (cause) {
      server.close();
      throw new NodeAgentError(
        'ListenFailed',
        `node agent cannot listen on ${socketPath}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    this.#server = server;
    this.#options.log.info(`node agent listening on ${socketPath}`);
  }

  /**
   * Stops serving and removes the socket file. CNI calls already running get up to
   * `CNI_DRAIN_MS` to finish and answer (a call cut short would leave its shim to run it again
   * through the Node.js plugin); then open connections are dropped. Idempotent.
   */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();
    if (this.#cniCallsRunning.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#cniCallsRunning]),
        new Promise((resolve) => (timer = setTimeout(resolve, CNI_DRAIN_MS))),
      ]);
      clearTimeout(timer);
    }
    server.closeAllConnections();
    await closed;
    // net.Server removes its socket file on close; this covers a server closed by an error.
    await unlink(this.#options.socketPath).catch(() => undefined);
  }

  async #clearStaleSocket(): Promise<void> {
    const { socketPath } = this.#options;
    let isSocket: boolean;
    try {
      isSocket = (await lstat(socketPath)).isSocket();
    } catch {
      return; // Nothing there.
    }
    if (!isSocket) {
      throw new NodeAgentError(
        'SocketPathTaken',
        `node agent socket path ${socketPath} holds a file that is not a socket; not removing it`,
      );
    }
    if (await socketAnswers(socketPath)) {
      throw new NodeAgentError(
        'SocketInUse',
        `node agent socket ${socketPath} is served by another process; is an agent already running?`,
      );
    }
    await unlink(socketPath);
    this.#options.log.info(`removed stale socket ${socketPath}`);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
      });
      res.end(text);
    };
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const segments = path.split('/');
    const isHealthz = path === '/v1/healthz';
    const isPod = segments.length === 5 && segments[1] === 'v1' && segments[2] === 'pods';
    const { cniCalls } = this.#options;
    if (path === '/v1/cni' && cniCalls !== undefined) {
      if (req.method !== 'POST') {
        send(
          405,
          { reason: 'MethodNotAllowed', message: `${String(req.method)} ${path}: only POST` },
          { allow: 'POST' },
        );
        return;
      }
      this.#serveCniCall(req, res, cniCalls, send);
      return;
    }
    if (!isHealthz && !isPod) {
      send(404, { reason: 'UnknownPath', message: `no such endpoint: ${path}` });
      return;
    }
    if (req.method !== 'GET') {
      send(
        405,
        { reason: 'MethodNotAllowed', message: `${String(req.method)} ${path}: only GET` },
        { allow: 'GET' },
      );
      return;
    }
    const { pods } = this.#options;
    if (isHealthz) {
      send(
        pods.synced ? 200 : 503,
        pods.synced ? { ok: true } : { ok: false, reason: 'NotSynced' },
      );
      return;
    }
    let namespace: string;
    let name: string;
    let uid: string | null;
    try {
      namespace = decodeURIComponent(segments[3] ?? '');
      name = decodeURIComponent(segments[4] ?? '');
      // URLSearchParams never throws; decode the path first so bad encoding there is a 400.
      uid = new URLSearchParams(query).get('uid');
    } catch {
      send(400, { reason: 'BadRequest', message: `malformed percent-encoding in ${path}` });
      return;
    }
    if (namespace === '' || name === '') {
      send(400, { reason: 'BadRequest', message: 'namespace and name must not be empty' });
      return;
    }
    const found = answerPodQuestion(pods, namespace, name, uid);
    switch (found.kind) {
      case 'NotSynced':
        send(503, { reason: 'NotSynced', message: 'the node agent has not listed the pods yet' });
        return;
      case 'NotFound':
        send(404, { reason: 'NotFound', message: `pod ${namespace}/${name} is not on this node` });
        return;
      case 'UidMismatch':
        send(404, {
          reason: 'UidMismatch',
          message: `pod ${namespace}/${name} on this node has uid ${found.knownUid}, not ${String(uid)}`,
        });
        return;
      case 'Found':
        this.#options.onAnswer?.(namespace, name, found.answer);
        send(200, found.answer);
    }
  }

  #serveCniCall(
    req: IncomingMessage,
    res: ServerResponse,
    cniCalls: NodeAgentCniCalls,
    send: (status: number, body: unknown) => void,
  ): void {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!(declared <= MAX_CNI_CALL_BYTES)) {
      // Unknown or too large: the shim then runs the Node.js plugin, which takes any size.
      send(413, {
        reason: 'TooLarge',
        message: `a CNI call needs a Content-Length of at most ${String(MAX_CNI_CALL_BYTES)} bytes`,
      });
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= declared) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size !== declared) {
        send(400, { reason: 'BadRequest', message: 'the body is not Content-Length bytes long' });
        return;
      }
      // Done once the answer has left (or the connection is gone): what close() waits for.
      const answered = new Promise<void>((resolve) => {
        res.once('close', () => {
          this.#cniCallsRunning.delete(answered);
          resolve();
        });
      });
      this.#cniCallsRunning.add(answered);
      void cniCalls.run(Buffer.concat(chunks, size)).then(
        (outcome) => {
          const stdout = Buffer.from(outcome.stdout, 'utf8');
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': String(stdout.length),
            'podsg-cni-exit-code': String(outcome.exitCode),
          });
          res.end(stdout);
        },
        (error: unknown) => {
          this.#options.log.warn(
            `CNI call failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          send(500, { reason: 'Internal', message: 'the CNI call failed in the node agent' });
        },
      );
    });
  }
}

/** Whether a process accepts connections on the unix socket at `socketPath`. */
function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
