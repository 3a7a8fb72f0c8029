import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { AgentPodAnswer } from '@podsg/cni';
import { NodeAgentError } from '../errors/NodeAgentError.js';
import type { NodeAgentLog } from '../ports/NodeAgentLog.js';

/** What the server answers from: a `PodCache`, or anything that knows pods the same way. */
export interface NodeAgentPodSource {
  /** False until the pods are known; the server answers 503 meanwhile. */
  readonly synced: boolean;
  answerFor(namespace: string, name: string): AgentPodAnswer | null;
}

/** Options of `NodeAgentServer`. */
export interface NodeAgentServerOptions {
  /** The unix socket to serve on (the CNI network configuration's `agentSocket`). */
  socketPath: string;
  pods: NodeAgentPodSource;
  log: NodeAgentLog;
  /** Called for every 200 answer (the confirmed-release tracker learns which branches were wired). */
  onAnswer?: (namespace: string, name: string, answer: AgentPodAnswer) => void;
}

/**
 * The node agent's endpoint (DESIGN.md, "Node agent protocol"): HTTP/1.1 on a unix socket.
 *
 * - `GET /v1/pods/{namespace}/{name}` → 200 the pod's answer, 404 `{"reason":"NotFound"}`.
 *   With `?uid=U` (podsg-cni sends `K8S_POD_UID`) it answers only when the pod it knows has UID
 *   `U`, else 404 `{"reason":"UidMismatch"}`: a pod re-created under the same name never gets
 *   the old incarnation's branch, and the old one's DEL never sees the new one's. Clients that
 *   send no `uid` get the answer as before.
 * - `GET /v1/healthz` → 200 `{"ok":true}`.
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

  /** Stops serving, drops open connections and removes the socket file. Idempotent. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
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
    if (!pods.synced) {
      send(503, { reason: 'NotSynced', message: 'the node agent has not listed the pods yet' });
      return;
    }
    const answer = pods.answerFor(namespace, name);
    if (answer === null) {
      send(404, { reason: 'NotFound', message: `pod ${namespace}/${name} is not on this node` });
      return;
    }
    if (uid !== null && uid !== answer.podUid) {
      send(404, {
        reason: 'UidMismatch',
        message: `pod ${namespace}/${name} on this node has uid ${answer.podUid}, not ${uid}`,
      });
      return;
    }
    this.#options.onAnswer?.(namespace, name, answer);
    send(200, answer);
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
