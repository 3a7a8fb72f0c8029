import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { Ec2NetworkInterfaceApi, PODSG_VERSION } from './Ec2NetworkInterfaceApi.js';

const NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ITEM = `<networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId><subnetId>subnet-0a1b2c3d</subnetId><vpcId>vpc-0a1b2c3d</vpcId><description>x</description><status>available</status><macAddress>02:00:00:00:00:01</macAddress><privateIpAddress>10.0.0.4</privateIpAddress><groupSet/><tagSet/><interfaceType>branch</interfaceType>`;

type Reply = (request: IncomingMessage, response: ServerResponse) => void;

function xml(status: number, body: string, contentType = 'text/xml;charset=UTF-8'): Reply {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': 'req-42' });
    response.end(body);
  };
}

const describeReply = (items: string, nextToken = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeNetworkInterfacesResponse xmlns="${NS}"><requestId>r-1</requestId><networkInterfaceSet>${items}</networkInterfaceSet>${nextToken}</DescribeNetworkInterfacesResponse>`;

// The adapter facing a server that misbehaves: every reply becomes a named AllocatorError.
describe('Ec2NetworkInterfaceApi on a misbehaving wire', () => {
  let server: Server;
  let reply: Reply = xml(200, '');
  let userAgent = '';
  let api: Ec2NetworkInterfaceApi;

  beforeAll(async () => {
    server = createServer((request, response) => {
      userAgent = request.headers['user-agent'] ?? '';
      request.resume();
      request.on('end', () => {
        reply(request, response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = new Ec2NetworkInterfaceApi({
      region: 'us-west-2',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIA0', secretAccessKey: 's' },
      clusterName: 'demo',
      requestTimeoutMs: 300,
      userAgentSuffix: 'my-controller/1.2',
    });
  });

  afterAll(async () => {
    api.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function failure(): Promise<{ kind: string; code: string | undefined; message: string }> {
    try {
      await api.listNetworkInterfaces({ tags: { a: 'b' } });
    } catch (error) {
      if (!AllocatorError.is(error)) throw error;
      return { kind: error.kind, code: error.code, message: error.message };
    }
    throw new Error('expected a rejection');
  }

  it('reads a well-formed reply and sends podsg/<version> and the suffix in the user agent', async () => {
    reply = xml(200, describeReply(`<item>${ITEM}</item>`));
    const [eni] = await api.listNetworkInterfaces({ tags: { a: 'b' } });
    expect(eni).toMatchObject({
      networkInterfaceId: 'eni-0123456789abcdef0',
      interfaceType: 'branch',
      status: 'available',
    });
    expect(userAgent).toContain(`podsg/${PODSG_VERSION}`);
    expect(userAgent).toContain('my-controller/1.2');
  });

  it('malformed XML on 200 → InvalidParameter InvalidResponse', async () => {
    reply = xml(
      200,
      '<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>',
    );
    expect(await failure()).toMatchObject({ kind: 'InvalidParameter', code: 'InvalidResponse' });
  });

  it('a missing field → InvalidParameter naming it', async () => {
    reply = xml(
      200,
      describeReply(
        `<item>${ITEM.replace('<macAddress>02:00:00:00:00:01</macAddress>', '')}</item>`,
      ),
    );
    const error = await failure();
    expect(error).toMatchObject({ kind: 'InvalidParameter', code: 'InvalidResponse' });
    expect(error.message).toContain('macAddress');
  });

  it('an unknown status → InvalidParameter naming the value', async () => {
    reply = xml(200, describeReply(`<item>${ITEM.replace('available', 'exploding')}</item>`));
    const error = await failure();
    expect(error).toMatchObject({ kind: 'InvalidParameter', code: 'InvalidResponse' });
    expect(error.message).toContain("'exploding'");
  });

  it('a NextToken that never advances → InvalidParameter, not an endless loop', async () => {
    reply = xml(200, describeReply('', '<nextToken>same</nextToken>'));
    expect(await failure()).toMatchObject({ kind: 'InvalidParameter', code: 'InvalidResponse' });
  });

  it('an HTML 502 page from a proxy → Transient', async () => {
    reply = xml(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html');
    expect(await failure()).toMatchObject({ kind: 'Transient' });
  });

  it("EC2's throttling envelope → Throttled with the code and request id", async () => {
    reply = xml(
      503,
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-42</RequestID></Response>',
    );
    const error = await failure();
    expect(error).toMatchObject({ kind: 'Throttled', code: 'RequestLimitExceeded' });
    expect(error.message).toContain('req-42');
  });

  it('a dropped connection → Transient', async () => {
    reply = (request) => {
      request.socket.destroy();
    };
    expect(await failure()).toMatchObject({ kind: 'Transient' });
  });

  it('no answer within requestTimeoutMs → Transient', async () => {
    reply = (_request, response) => {
      setTimeout(() => {
        xml(200, describeReply(''))(_request, response);
      }, 2000).unref();
    };
    expect(await failure()).toMatchObject({ kind: 'Transient' });
  });
});
