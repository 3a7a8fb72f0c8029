import { afterEach, describe, expect, it } from 'vitest';
import { BranchController, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import {
  FakeCluster,
  FakeEc2,
  FakeEc2Server,
  SeededRandom,
  VirtualClock,
} from '@podsg/adapters-fake';
import {
  CHAOS_CONTROLLER_OPTIONS,
  SG_DB,
  SG_WEB,
  SUBNET,
  expectWiredAndClean,
  policy,
  pump,
  pumpUntil,
  runChaosScript,
} from '../chaosScript.testkit.js';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';

const SG_NODE = 'sg-00000000000000001';

let stop: () => Promise<void> = () => Promise.resolve();
afterEach(async () => {
  await stop();
});

// The allocator's chaos guarantees with the production EC2 adapter over HTTP: the controller
// drives Ec2NetworkInterfaceApi → FakeEc2Server (SigV4, XML; dropped connections and replies
// lost after the change) → FakeEc2 (10% faults, 5% after the change), and restarts twice.
// Virtual time is pumped (chaosScript.testkit.ts) so HTTP round trips complete.
describe('BranchController through Ec2NetworkInterfaceApi over HTTP, with faults and restarts', () => {
  it('wires every pod once, leaks nothing and keeps VLAN ids unique', async () => {
    const clock = new VirtualClock();
    const ec2 = new FakeEc2({
      clock,
      seed: 7,
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
      securityGroups: [SG_WEB, SG_DB, SG_NODE],
      faults: [
        { api: '*', rate: 0.1 },
        { api: 'CreateNetworkInterface', rate: 0.05, after: true },
      ],
    });
    const server = await FakeEc2Server.start({
      ec2,
      seed: 9,
      faults: [
        { action: '*', rate: 0.03, effect: 'drop' },
        { action: '*', rate: 0.03, effect: 'lostReply' },
      ],
    });
    const api = new Ec2NetworkInterfaceApi({
      region: server.region,
      endpoint: server.url,
      credentials: server.credentials,
      clusterName: 'demo',
    });
    const cluster = new FakeCluster({ clock, seed: 3 });
    cluster.applyPolicy(policy('web', 'web', SG_WEB));
    cluster.applyPolicy(policy('db', 'db', SG_DB));
    const random = new SeededRandom(11);
    const make = () =>
      new BranchController({
        networkInterfaces: api,
        cluster,
        clock,
        options: { ...CHAOS_CONTROLLER_OPTIONS, random: () => random.next() },
      });
    let controller = make();
    stop = async () => {
      await controller.stop();
      api.destroy();
      await server.close();
    };
    const restart = async () => {
      await controller.stop();
      controller = make();
      await pumpUntil(clock, controller.start());
    };

    await pumpUntil(clock, controller.start());
    for (const name of ['node-a', 'node-b']) {
      const instance = ec2.addInstance({
        instanceType: 'c5.xlarge',
        subnetId: SUBNET,
        groupIds: [SG_NODE],
      });
      cluster.addNode({
        name,
        instanceId: instance.instanceId,
        instanceType: 'c5.xlarge',
        labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
      });
    }
    await pump(clock, 30);
    await runChaosScript({
      clock,
      cluster,
      restart,
      quiet: () => {
        ec2.setFaults([]);
        server.setFaults([]);
      },
    });
    expectWiredAndClean({ cluster, ec2, controller });
    // The wire faults did happen.
    const codes = server.requests().map((r) => r.code);
    expect(codes).toContain('ReplyLost');
    expect(codes).toContain('ConnectionDropped');
  });
});
