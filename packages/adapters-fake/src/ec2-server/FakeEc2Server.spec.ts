import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEc2 } from '../services/FakeEc2.js';
import { VirtualClock } from '../services/VirtualClock.js';
import { FakeEc2Server } from './FakeEc2Server.js';

// Refusals before any signature check passes: raw HTTP, no SDK. Signed traffic is exercised by
// the AWS CLI (FakeEc2Server.int.spec.ts) and the SDK (adapters-aws).
describe('FakeEc2Server refusals of unsigned or malformed requests', () => {
  let server: FakeEc2Server;

  beforeAll(async () => {
    const ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [],
      securityGroups: [],
    });
    server = await FakeEc2Server.start({ ec2, maxBodyBytes: 4096 });
  });

  afterAll(async () => {
    await server.close();
  });

  async function post(body: string, headers: Record<string, string> = {}) {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], text };
  }

  it('refuses an unsigned request with MissingAuthenticationToken (401) in EC2 error envelope', async () => {
    const { status, code, text } = await post('Action=DescribeSubnets&Version=2016-11-15');
    expect({ status, code }).toEqual({ status: 401, code: 'MissingAuthenticationToken' });
    expect(text).toMatch(/^<\?xml[^>]*>\n<Response><Errors><Error><Code>/);
    expect(text).toMatch(/<RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/);
  });

  it('refuses malformed Authorization headers with IncompleteSignature, unknown keys with AuthFailure', async () => {
    expect((await post('Action=X', { authorization: 'Basic abc' })).code).toBe(
      'IncompleteSignature',
    );
    expect((await post('Action=X', { authorization: 'AWS4-HMAC-SHA256 Credential=a' })).code).toBe(
      'IncompleteSignature',
    );
    const unknown = await post('Action=X', {
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20261201/us-west-2/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      'x-amz-date': '20261201T000000Z',
    });
    expect({ status: unknown.status, code: unknown.code }).toEqual({
      status: 401,
      code: 'AuthFailure',
    });
  });

  it('refuses a body over the limit without reading it all, and keeps serving', async () => {
    expect((await post('x'.repeat(10_000))).status).toBe(413);
    expect((await post('Action=DescribeSubnets')).code).toBe('MissingAuthenticationToken');
  });

  it('logs each answered request', () => {
    expect(server.requests().map((r) => r.status)).toContain(401);
  });
});
