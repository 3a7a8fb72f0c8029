import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { it } from 'vitest';
import type {
  ClusterApi,
  ClusterNode,
  ClusterPod,
  NetworkInterface,
  NetworkInterfaceApi,
} from '../index.js';
import { BranchController, POD_ENI_ANNOTATION, encodePodEniAnnotation } from '../index.js';

/**
 * The controller's own cost of a restart: resynchronising 100,000 annotated pods (on 1,852
 * c5.4xlarge nodes with attached trunks) from one cluster list and one EC2 list. The ports are
 * minimal in-memory doubles that return prebuilt objects, so the figures are the controller's.
 * Goal: ≤ 10 s wall and ≤ 1 KiB retained heap per pod.
 */
const PODS = 100_000;
const PER_NODE = 54;

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

it('resyncs 100,000 annotated pods after a restart', async () => {
  const gc = gcFunction();
  const nodes: ClusterNode[] = [];
  const pods: ClusterPod[] = [];
  const interfaces: NetworkInterface[] = [];
  const nodeCount = Math.ceil(PODS / PER_NODE);
  for (let n = 0; n < nodeCount; n++) {
    const instanceId = `i-${hex(n, 17)}`;
    nodes.push({
      name: `node-${n}`,
      uid: `node-uid-${n}`,
      labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' },
      instanceId,
      instanceType: 'c5.4xlarge',
    });
    interfaces.push({
      networkInterfaceId: `eni-${hex(n, 17)}`,
      interfaceType: 'trunk',
      status: 'in-use',
      subnetId: 'subnet-0a1b2c3d',
      vpcId: 'vpc-0a1b2c3d',
      macAddress: '02:00:00:00:00:01',
      privateIpAddress: '10.0.0.1',
      groupIds: ['sg-00000000000000001'],
      description: 'aws-k8s-trunk-eni',
      tags: { 'kubernetes.io/cluster/bench': 'owned', 'podsg.io/node': `node-${n}` },
      attachment: {
        attachmentId: `eni-attach-${hex(n, 17)}`,
        instanceId,
        deviceIndex: 7,
        status: 'attached',
        deleteOnTermination: true,
      },
    });
  }
  for (let i = 0; i < PODS; i++) {
    const node = Math.floor(i / PER_NODE);
    const eniId = `eni-${hex(0x1000000 + i, 17)}`;
    const uid = `00000000-0000-4000-8000-${hex(i, 12)}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const annotation = encodePodEniAnnotation([
      {
        eniId,
        ifAddress: `02:${hex((i >> 16) & 255, 2)}:${hex((i >> 8) & 255, 2)}:${hex(i & 255, 2)}:00:01`,
        privateIp: ip,
        ipv6Addr: '',
        vlanId: (i % PER_NODE) + 1,
        subnetCidr: '10.0.0.0/8',
        subnetV6Cidr: '',
        associationID: `trunk-assoc-${hex(i, 8)}`,
      },
    ]);
    pods.push({
      namespace: 'default',
      name: `api-${i}`,
      uid,
      labels: { app: 'api', 'pod-template-hash': '5d9f7c' },
      annotations: { [POD_ENI_ANNOTATION]: annotation },
      serviceAccountName: 'default',
      nodeName: `node-${node}`,
      phase: 'Running',
      requestsPodEni: true,
      hostNetwork: false,
      terminating: false,
      resourceVersion: String(i + 1),
    });
    interfaces.push({
      networkInterfaceId: eniId,
      interfaceType: 'branch',
      status: 'in-use',
      subnetId: 'subnet-0a1b2c3d',
      vpcId: 'vpc-0a1b2c3d',
      macAddress: '02:00:00:00:00:02',
      privateIpAddress: ip,
      groupIds: ['sg-0123456789abcdef0'],
      description: 'aws-k8s-branch-eni',
      tags: {
        'kubernetes.io/cluster/bench': 'owned',
        'podsg.io/pod-uid': uid,
        'podsg.io/node': `node-${node}`,
      },
    });
  }
  const policy = {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name: 'api', namespace: 'default' },
    spec: {
      podSelector: { matchLabels: { app: 'api' } },
      securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
    },
  };
  let mutations = 0;
  const cluster: ClusterApi = {
    list: () =>
      Promise.resolve({ pods, nodes, serviceAccounts: [], securityGroupPolicies: [policy] }),
    watch: () => () => undefined,
    annotatePod: () => {
      mutations += 1;
      return Promise.resolve();
    },
    setNodeCapacity: () => Promise.resolve(),
    recordEvent: () => Promise.resolve(),
    getPod: () => Promise.resolve(null),
    serviceAccountLabels: () => Promise.resolve(null),
  };
  const refuse = (): Promise<never> => Promise.reject(new Error('unexpected EC2 mutation'));
  const ec2: NetworkInterfaceApi = {
    listNetworkInterfaces: () => Promise.resolve(interfaces),
    describeSubnet: (subnetId) =>
      Promise.resolve({
        subnetId,
        vpcId: 'vpc-0a1b2c3d',
        cidrBlock: '10.0.0.0/8',
        availableIpAddressCount: 1,
      }),
    describeInstance: refuse,
    createNetworkInterface: refuse,
    attachNetworkInterface: refuse,
    modifyNetworkInterface: refuse,
    tagNetworkInterface: refuse,
    associateTrunkInterface: refuse,
    disassociateTrunkInterface: refuse,
    describeTrunkInterfaceAssociations: refuse,
    deleteNetworkInterface: refuse,
  };
  // Time stands still: a resync needs no timer, and a sleep only ends when the controller stops.
  const clock = {
    now: () => 0,
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener(
          'abort',
          () => {
            reject(new Error('aborted'));
          },
          { once: true },
        );
      }),
  };
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const controller = new BranchController({
    networkInterfaces: ec2,
    cluster,
    clock,
    options: { clusterName: 'bench', gcIntervalSeconds: 0 },
  });
  await controller.start();
  await controller.whenIdle();
  const wallSeconds = (performance.now() - started) / 1000;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const inUse = controller.inspect().branches.filter((b) => b.state === 'in-use').length;
  console.log(
    `resync of ${PODS} annotated pods on ${nodeCount} nodes: ${wallSeconds.toFixed(2)} s wall ` +
      `(goal ≤ 10 s, ratio ${(wallSeconds / 10).toFixed(2)}); retained heap ` +
      `${((heapAfter - heapBefore) / PODS).toFixed(0)} B per pod (goal ≤ 1024 B, ratio ` +
      `${((heapAfter - heapBefore) / PODS / 1024).toFixed(2)}); in-use branches ${inUse}; ` +
      `cluster writes ${mutations}; EC2 calls ${JSON.stringify(controller.stats().calls)}`,
  );
  await controller.stop();
}, 600_000);
