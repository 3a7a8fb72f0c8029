import { describe, expect, it } from 'vitest';
import type {
  AllocatorError,
  ClusterApi,
  ClusterEvent,
  Instance,
  NetworkInterface,
  NetworkInterfaceApi,
} from '../index.js';
import { BranchController, HAS_TRUNK_ATTACHED_LABEL } from '../index.js';

const INSTANCE = 'i-0123456789abcdef0';

/** An interface of the instance as EC2 describes it (subnet id as given, here empty). */
function attached(
  id: string,
  type: NetworkInterface['interfaceType'],
  deviceIndex: number,
): NetworkInterface {
  return {
    networkInterfaceId: id,
    interfaceType: type,
    status: 'in-use',
    subnetId: '',
    vpcId: 'vpc-0a1b2c3d',
    macAddress: '02:00:00:00:00:01',
    privateIpAddress: '10.0.0.10',
    groupIds: ['sg-00000000000000001'],
    description: '',
    tags: {},
    attachment: {
      attachmentId: `eni-attach-${id}`,
      instanceId: INSTANCE,
      deviceIndex,
      status: 'attached',
      deleteOnTermination: true,
    },
  };
}

/**
 * One opted-in node whose instance EC2 describes without a subnet id; records every EC2 call
 * and cluster event. Calls the scenario does not expect fail.
 */
function scenario(interfaces: NetworkInterface[]): {
  controller: BranchController;
  calls: string[];
  events: ClusterEvent[];
} {
  const calls: string[] = [];
  const events: ClusterEvent[] = [];
  const unexpected = (name: string) => (): Promise<never> => {
    calls.push(name);
    return Promise.reject(new Error(`unexpected ${name}`));
  };
  const instance: Instance = {
    instanceId: INSTANCE,
    instanceType: 'c5.4xlarge',
    subnetId: '',
    vpcId: 'vpc-0a1b2c3d',
    networkInterfaces: interfaces,
  };
  const networkInterfaces: NetworkInterfaceApi = {
    describeInstance: (instanceId) => {
      calls.push(`describeInstance ${instanceId}`);
      return Promise.resolve(instance);
    },
    describeSubnet: (subnetId) => {
      calls.push(`describeSubnet ${subnetId}`);
      return Promise.reject(new Error('unexpected describeSubnet'));
    },
    createNetworkInterface: (request) => {
      calls.push(`createNetworkInterface ${request.subnetId}`);
      return Promise.reject(new Error('unexpected createNetworkInterface'));
    },
    attachNetworkInterface: unexpected('attachNetworkInterface'),
    modifyNetworkInterface: unexpected('modifyNetworkInterface'),
    tagNetworkInterface: unexpected('tagNetworkInterface'),
    associateTrunkInterface: unexpected('associateTrunkInterface'),
    disassociateTrunkInterface: unexpected('disassociateTrunkInterface'),
    describeTrunkInterfaceAssociations: unexpected('describeTrunkInterfaceAssociations'),
    deleteNetworkInterface: unexpected('deleteNetworkInterface'),
    listNetworkInterfaces: () => Promise.resolve([]),
  };
  const cluster: ClusterApi = {
    list: () =>
      Promise.resolve({
        pods: [],
        nodes: [
          {
            name: 'node-a',
            uid: 'node-uid-a',
            labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
            instanceId: INSTANCE,
            instanceType: 'c5.4xlarge',
          },
        ],
        serviceAccounts: [],
        securityGroupPolicies: [],
      }),
    watch: () => () => undefined,
    annotatePod: unexpected('annotatePod'),
    setNodeCapacity: (nodeName) => {
      calls.push(`setNodeCapacity ${nodeName}`);
      return Promise.resolve();
    },
    recordEvent: (event) => {
      events.push(event);
      return Promise.resolve();
    },
    getPod: () => Promise.resolve(null),
    serviceAccountLabels: () => Promise.resolve(null),
  };
  const controller = new BranchController({
    networkInterfaces,
    cluster,
    clock: { now: () => 0, sleep: () => Promise.resolve() },
    options: { clusterName: 'test', requeues: 0, gcIntervalSeconds: 0 },
  });
  return { controller, calls, events };
}

async function trunkFailure(
  controller: BranchController,
): Promise<{ error: AllocatorError; willRetry: boolean }> {
  const failed = new Promise<{ error: AllocatorError; willRetry: boolean }>((resolve) => {
    controller.events.once('trunkFailed', (detail) => {
      resolve(detail);
    });
  });
  await controller.start();
  const detail = await failed;
  await controller.whenIdle();
  await controller.stop();
  return detail;
}

describe('BranchController, a node whose subnet EC2 does not report', () => {
  it('fails the trunk creation naming the node, without calling EC2 with an empty subnet id', async () => {
    const { controller, calls, events } = scenario([attached('eni-primary', 'interface', 0)]);
    const { error } = await trunkFailure(controller);
    expect(error.kind).toBe('Invalid');
    expect(error.message).toContain('node node-a');
    expect(error.message).toContain('subnetId');
    expect(calls.filter((call) => call.startsWith('create'))).toEqual([]);
    expect(events.map((event) => event.reason)).toContain('TrunkENICreationFailed');
    expect(controller.inspect().nodes[0]?.status).toBe('failed');
  });

  it('fails the preparation of a node with a trunk, advertising no capacity', async () => {
    const { controller, calls } = scenario([
      attached('eni-primary', 'interface', 0),
      attached('eni-trunk', 'trunk', 2),
    ]);
    const { error } = await trunkFailure(controller);
    expect(error.kind).toBe('Invalid');
    expect(error.message).toContain('node node-a');
    expect(calls.filter((call) => !call.startsWith('describeInstance'))).toEqual([]);
  });
});
