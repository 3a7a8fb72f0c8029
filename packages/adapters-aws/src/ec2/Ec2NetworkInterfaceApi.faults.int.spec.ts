import { afterEach, describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';
import type { Ec2ServerFaultRule } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';

const SUBNET = 'subnet-0a1b2c3d';
const SG = 'sg-0123456789abcdef0';

// The emulator's wire faults, seen through the SDK adapter: each becomes the kind the allocator
// retries on, and a lost reply after the change took effect is safe to retry with its token.
describe('Ec2NetworkInterfaceApi with FakeEc2Server faults', () => {
  let close: () => Promise<void> = () => Promise.resolve();

  afterEach(async () => {
    await close();
  });

  async function setup(faults: Ec2ServerFaultRule[], requestTimeoutMs = 5000) {
    const ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
      securityGroups: [SG],
      throttle: false,
    });
    const server = await FakeEc2Server.start({ ec2, faults, seed: 5 });
    const api = new Ec2NetworkInterfaceApi({
      region: server.region,
      endpoint: server.url,
      credentials: server.credentials,
      clusterName: 'demo',
      requestTimeoutMs,
    });
    close = async () => {
      api.destroy();
      await server.close();
    };
    return { ec2, server, api };
  }

  async function kindOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
      return 'ok';
    } catch (error) {
      if (AllocatorError.is(error)) return `${error.kind} ${error.code ?? ''}`;
      throw error;
    }
  }

  const request = {
    subnetId: SUBNET,
    groupIds: [SG],
    description: 'aws-k8s-branch-eni',
    tags: {},
    interfaceType: 'branch' as const,
    clientToken: 'lost-1',
  };

  it('throttle, 5xx and dropped connections are retryable kinds, and the model is untouched', async () => {
    const { ec2, api, server } = await setup([]);
    server.setFaults([{ action: 'CreateNetworkInterface', rate: 1, effect: 'throttle' }]);
    expect(await kindOf(api.createNetworkInterface(request))).toBe(
      'Throttled RequestLimitExceeded',
    );
    server.setFaults([{ action: '*', rate: 1, effect: 'error', code: 'Unavailable' }]);
    expect(await kindOf(api.createNetworkInterface(request))).toBe('Transient Unavailable');
    server.setFaults([{ action: '*', rate: 1, effect: 'drop' }]);
    expect(await kindOf(api.createNetworkInterface(request))).toMatch(/^Transient /);
    expect(ec2.interfaces()).toEqual([]);
  });

  it('a reply lost after the change took effect: Transient, and the retry with its token returns the same interface', async () => {
    const { ec2, api, server } = await setup([
      { action: 'CreateNetworkInterface', rate: 1, effect: 'lostReply' },
    ]);
    expect(await kindOf(api.createNetworkInterface(request))).toMatch(/^Transient /);
    expect(ec2.interfaces()).toHaveLength(1);
    server.setFaults([]);
    const retried = await api.createNetworkInterface(request);
    expect(ec2.interfaces().map((e) => e.networkInterfaceId)).toEqual([retried.networkInterfaceId]);
    expect(server.requests().map((r) => [r.action, r.code ?? r.status])).toEqual([
      ['CreateNetworkInterface', 'ReplyLost'],
      ['CreateNetworkInterface', 200],
    ]);
  });

  it('a slow reply past the request timeout is Transient; seeded draws fail some requests, not all', async () => {
    const slow = await setup(
      [{ action: 'DescribeSubnets', rate: 1, effect: 'slow', delayMs: 1500 }],
      300,
    );
    expect(await kindOf(slow.api.describeSubnet(SUBNET))).toMatch(/^Transient /);
    await close();
    const { api } = await setup([{ action: 'DescribeSubnets', rate: 0.5, effect: 'error' }]);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await kindOf(api.describeSubnet(SUBNET)));
    expect(new Set(outcomes)).toEqual(new Set(['ok', 'Transient InternalError']));
  });

  it('refuses a wrong secret, another region and a clock 20 minutes off, as EC2', async () => {
    const { server } = await setup([]);
    const refusal = async (
      options: Partial<ConstructorParameters<typeof Ec2NetworkInterfaceApi>[0]>,
      skewMs = 0,
    ) => {
      const api = new Ec2NetworkInterfaceApi({
        region: server.region,
        endpoint: server.url,
        credentials: server.credentials,
        clusterName: 'demo',
        ...options,
      });
      api.client.config.systemClockOffset = skewMs;
      try {
        return await kindOf(api.describeSubnet(SUBNET));
      } finally {
        api.destroy();
      }
    };
    expect(
      await refusal({ credentials: { ...server.credentials, secretAccessKey: 'wrong' } }),
    ).toBe('Unauthorized SignatureDoesNotMatch');
    expect(await refusal({ credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } })).toBe(
      'Unauthorized AuthFailure',
    );
    expect(await refusal({ region: 'eu-west-1' })).toBe('Unauthorized AuthFailure');
    expect(await refusal({}, -20 * 60_000)).toBe('InvalidParameter RequestExpired');
    expect(await refusal({})).toBe('ok');
  });
});
