import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpFailoverProxy } from './TcpFailoverProxy.js';

const servers: Server[] = [];
let proxy: TcpFailoverProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A TCP server answering every line with `<name>:<line>`. */
async function echo(name: string): Promise<number> {
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(`${name}:${chunk.toString('utf8')}`));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ask(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    socket.once('data', (chunk: Buffer) => {
      resolve(chunk.toString('utf8'));
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('close', () => {
      resolve('');
    });
  });
}

describe('TcpFailoverProxy', () => {
  it('passes a connection to the first backend that accepts it', async () => {
    const down = await freedPort();
    const up = await echo('b');
    proxy = await TcpFailoverProxy.start('127.0.0.1', 0, [down, up]);
    expect(await ask(proxy.port, 'hello')).toBe('b:hello');
  });

  it('prefers the first backend while it is up', async () => {
    proxy = await TcpFailoverProxy.start('127.0.0.1', 0, [await echo('a'), await echo('b')]);
    expect(await ask(proxy.port, 'x')).toBe('a:x');
  });

  it('closes the client when no backend accepts', async () => {
    proxy = await TcpFailoverProxy.start('127.0.0.1', 0, [await freedPort()]);
    expect(await ask(proxy.port, 'x')).toBe('');
  });
});
