import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** One readiness condition; `reason` is shown on `/readyz` while it does not hold. */
export interface ReadinessCheck {
  readonly name: string;
  /** null when ready, else why not. */
  check(): string | null;
}

/**
 * The plain-HTTP operations endpoint of a podsgd process, on its own port (never the webhook
 * port, so probes and scrapes need no TLS and webhook load never starves them):
 * `GET /healthz` → 200 while the process runs its loops (`alive()`), else 500;
 * `GET /readyz` → 200 when every readiness check holds, else 503 listing each failing one;
 * `GET /metrics` → the Prometheus registry (when one is given). Text bodies, one line per fact.
 */
export class OpsServer {
  readonly #server: Server;
  readonly #checks: ReadinessCheck[] = [];
  readonly #options: { host: string; port: number; registry?: Registry; alive: () => boolean };

  constructor(options: { host: string; port: number; registry?: Registry; alive: () => boolean }) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (req.method !== 'GET') {
        reply(405, 'only GET\n');
        return;
      }
      if (path === '/healthz') {
        if (this.#options.alive()) reply(200, 'ok\n');
        else reply(500, 'not alive\n');
        return;
      }
      if (path === '/readyz') {
        const failing = this.notReady();
        if (failing.length === 0) reply(200, 'ok\n');
        else reply(503, failing.map((line) => `${line}\n`).join(''));
        return;
      }
      const { registry } = this.#options;
      if (path === '/metrics' && registry !== undefined) {
        registry.metrics().then(
          (text) => {
            reply(200, text, registry.contentType);
          },
          (error: unknown) => {
            reply(500, `metrics failed: ${String(error)}\n`);
          },
        );
        return;
      }
      reply(404, `no such endpoint: ${String(path)}\n`);
    });
  }

  /** Adds a readiness condition. */
  addReadinessCheck(check: ReadinessCheck): void {
    this.#checks.push(check);
  }

  /** The failing readiness checks as `name: reason` lines; empty when ready. */
  notReady(): string[] {
    return this.#checks.flatMap((item) => {
      const reason = item.check();
      return reason === null ? [] : [`${item.name}: ${reason}`];
    });
  }

  /** The port listened on. */
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
  }

  /** Stops listening and drops connections. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }
}
