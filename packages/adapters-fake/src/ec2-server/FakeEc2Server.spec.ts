import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AllocatorError } from '@podsg/allocator';
import { NETWORK_INTERFACE_ACTIONS } from './networkInterfaceActions.js';
import { QueryParams } from './QueryParams.js';
import { SECURITY_GROUP_ACTIONS } from './securityGroupActions.js';
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

// Every action facing hostile parameters: each refusal must be an EC2 error code (what the
// front answers with), never an exception of our own (which would become InternalError).
describe('FakeEc2Server actions with hostile parameters', () => {
  const ACTIONS = { ...NETWORK_INTERFACE_ACTIONS, ...SECURITY_GROUP_ACTIONS };
  const names = [
    'SubnetId',
    'SecurityGroupId.1',
    'SecurityGroupId.2',
    'InterfaceType',
    'ClientToken',
    'Description',
    'TagSpecification.1.ResourceType',
    'TagSpecification.1.Tag.1.Key',
    'TagSpecification.1.Tag.1.Value',
    'NetworkInterfaceId',
    'NetworkInterfaceId.1',
    'InstanceId',
    'InstanceId.1',
    'DeviceIndex',
    'NetworkCardIndex',
    'Attachment.AttachmentId',
    'Attachment.DeleteOnTermination',
    'ResourceId.1',
    'Tag.1.Key',
    'Tag.1.Value',
    'TrunkInterfaceId',
    'BranchInterfaceId',
    'VlanId',
    'GreKey',
    'AssociationId',
    'AssociationId.1',
    'MaxResults',
    'NextToken',
    'Filter.1.Name',
    'Filter.1.Value.1',
    'Filter.2.Name',
    'GroupId',
    'GroupId.1',
    'GroupName',
    'GroupName.1',
    'GroupDescription',
    'VpcId',
    'IpPermissions.1.IpProtocol',
    'IpPermissions.1.FromPort',
    'IpPermissions.1.ToPort',
    'IpPermissions.1.IpRanges.1.CidrIp',
    'IpPermissions.1.Ipv6Ranges.1.CidrIpv6',
    'IpPermissions.1.Groups.1.GroupId',
    'IpProtocol',
    'FromPort',
    'ToPort',
    'CidrIp',
    'SecurityGroupRuleId.1',
    'SubnetId.1',
    'Filter.0.Name',
    'Tag.x.Key',
  ];
  const values = fc.oneof(
    fc.constantFrom(
      '',
      '-1',
      '0',
      '5',
      '65536',
      '99999999999',
      'true',
      'maybe',
      'tcp',
      'icmp',
      'trunk',
      'branch',
      'efa',
      'eni-0123456789abcdef0',
      'eni-zz',
      'sg-0123456789abcdef0',
      'sg-',
      'subnet-0a1b2c3d',
      'i-0123456789abcdef0',
      'vpc-0a1b2c3d',
      '10.0.0.0/16',
      '::/0',
      '300.1.1.1/8',
      'tag:a',
      'status',
      'network-interface',
      '*',
      '\\',
      'eyJhIjoiRGVzY3JpYmVOZXR3b3JrSW50ZXJmYWNlcyIsImsiOjF9',
      'trunk-assoc-00000000000000000',
      'sgr-0',
    ),
    fc.string({ maxLength: 40 }),
  );
  const requests = fc.record({
    action: fc.constantFrom(...Object.keys(ACTIONS)),
    params: fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 8 }),
  });

  it('answers every request with a result or an EC2 error code', async () => {
    const ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
      securityGroups: ['sg-0123456789abcdef0'],
      attachDelayMs: 0,
      throttle: false,
    });
    ec2.addInstance({
      instanceType: 'c5.4xlarge',
      subnetId: 'subnet-0a1b2c3d',
      instanceId: 'i-0123456789abcdef0',
    });
    await fc.assert(
      fc.asyncProperty(requests, async ({ action, params }) => {
        const handler = ACTIONS[action];
        if (handler === undefined) return;
        try {
          await handler({
            ec2,
            params: QueryParams.parse(new URLSearchParams(params).toString()),
            region: 'us-west-2',
            groupNames: () => new Map(),
            newClientToken: () => 'generated',
          });
        } catch (error) {
          expect(
            AllocatorError.is(error) && typeof error.code === 'string' && /^[A-Z]/.test(error.code),
          ).toBe(true);
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('FakeEc2Server zones', () => {
  it('renders each subnet’s zone from the options (the region’s first one by default)', async () => {
    const ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [
        { id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' },
        { id: 'subnet-0000000b', cidr: '10.0.16.0/20', availabilityZone: 'us-west-2b' },
      ],
      securityGroups: [],
      throttle: false,
    });
    const handler = NETWORK_INTERFACE_ACTIONS['DescribeSubnets'];
    if (handler === undefined) throw new Error('no DescribeSubnets handler');
    const described = await handler({
      ec2,
      params: QueryParams.parse(''),
      region: 'us-west-2',
      groupNames: () => new Map(),
      newClientToken: () => 'generated',
    });
    const subnets = (described as { subnetSet: { subnetId: string; availabilityZone: string }[] })
      .subnetSet;
    expect(
      Object.fromEntries(subnets.map((subnet) => [subnet.subnetId, subnet.availabilityZone])),
    ).toEqual({ 'subnet-0a1b2c3d': 'us-west-2a', 'subnet-0000000b': 'us-west-2b' });
  });
});
