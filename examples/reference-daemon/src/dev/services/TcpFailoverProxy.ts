import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * What a Kubernetes Service does for the webhooks in `podsgd dev`: one loopback port whose
 * connections are passed through (TLS untouched) to the first controller replica that accepts
 * them, so the webhooks keep answering while one replica is down.
 */
export class TcpFailoverProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on `host:port` (0: any free port) and forwards to `backends` (ports on `host`). */
  static async start(
    host: string,
    port: number,
    backends: readonly number[],
  ): Promise<TcpFailoverProxy> {
    const server = createServer();
    const proxy = new TcpFailoverProxy(server);
    server.on('connection', (client) => {
      proxy.#track(client);
      client.pause();
      proxy.#forward(client, host, backends, 0);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The port listened on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #forward(client: Socket, host: string, backends: readonly number[], index: number): void {
    const port = backends[index];
    if (port === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port });
    this.#track(upstream);
    let connected = false;
    upstream.once('error', () => {
      if (connected) client.destroy();
      else this.#forward(client, host, backends, index + 1);
    });
    upstream.once('connect', () => {
      connected = true;
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }
}
