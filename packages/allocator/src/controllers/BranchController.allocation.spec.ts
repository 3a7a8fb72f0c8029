import { afterEach, describe, expect, it } from 'vitest';
import { POD_ENI_ANNOTATION, POD_ENI_RESOURCE } from '../index.js';
import { SG_NODE, SG_WEB, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

describe('BranchController: trunk and branch allocation', () => {
  it('creates and attaches a trunk, then advertises pod-eni capacity', async () => {
    const w = (current = await world());
    const instanceId = w.addNode('node-a', 'c5.large');
    await w.run(10);
    const trunk = w.ec2.interfaces().find((eni) => eni.interfaceType === 'trunk');
    expect(trunk).toMatchObject({
      description: 'aws-k8s-trunk-eni',
      groupIds: [SG_NODE],
      attachment: { instanceId, status: 'attached', deleteOnTermination: true, deviceIndex: 2 },
      tags: { 'kubernetes.io/cluster/demo': 'owned', 'podsg.io/node': 'node-a' },
    });
    expect(w.cluster.nodes()[0]?.capacity[POD_ENI_RESOURCE]).toBe(9);
  });

  it('gives a matching pod a branch and annotates it with the EKS JSON array', async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const raw = w.cluster.podAnnotations('default', 'web-1')?.[POD_ENI_ANNOTATION];
    expect(raw).toBeDefined();
    const parsed = JSON.parse(raw!) as Record<string, unknown>[];
    expect(Object.keys(parsed[0]!)).toEqual([
      'eniId',
      'ifAddress',
      'privateIp',
      'ipv6Addr',
      'vlanId',
      'subnetCidr',
      'subnetV6Cidr',
      'associationID',
    ]);
    const branch = w.branches()[0]!;
    const association = w.ec2.associations()[0]!;
    expect(parsed[0]).toEqual({
      eniId: branch.networkInterfaceId,
      ifAddress: branch.macAddress,
      privateIp: branch.privateIpAddress,
      ipv6Addr: '',
      vlanId: 1,
      subnetCidr: '10.0.0.0/20',
      subnetV6Cidr: '',
      associationID: association.associationId,
    });
    expect(branch).toMatchObject({
      description: 'aws-k8s-branch-eni',
      groupIds: [SG_WEB],
      tags: {
        'podsg.io/node': 'node-a',
        'kubernetes.io/cluster/demo': 'owned',
        'vpcresources.k8s.aws/vlan-id': '1',
      },
    });
    const reasons = w.cluster.events().map((event) => event.reason);
    expect(reasons).toContain('SecurityGroupRequested');
    expect(reasons).toContain('ResourceAllocated');
  });
});

describe('BranchController: nodes', () => {
  it('reports a labelled node of a type without trunk support, naming the type', async () => {
    const w = (current = await world());
    w.addNode('node-old', 't2.micro');
    w.addNode('node-plain', 'c5.large', false);
    await w.run(5);
    const events = w.cluster.events().filter((event) => event.reason === 'Unsupported');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', involvedObject: { name: 'node-old' } });
    expect(events[0]!.message).toContain('t2.micro');
    expect(w.ec2.interfaces().filter((eni) => eni.interfaceType === 'trunk')).toHaveLength(0);
  });

  it('rolls back a trunk whose attachment fails and reports the EC2 error', async () => {
    const w = (current = await world(
      { requeues: 0 },
      { faults: [{ api: 'AttachNetworkInterface', rate: 1, code: 'InvalidParameterValue' }] },
    ));
    w.addNode('node-a');
    await w.run(30);
    expect(w.ec2.interfaces().filter((eni) => eni.interfaceType === 'trunk')).toHaveLength(0);
    const failed = w.cluster.events().find((event) => event.reason === 'TrunkENICreationFailed');
    expect(failed?.message).toContain('InvalidParameterValue');
    expect(w.cluster.nodes()[0]!.capacity[POD_ENI_RESOURCE]).toBeUndefined();
  });

  it('reuses a trunk that is already attached', async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(10);
    const trunks = () => w.ec2.interfaces().filter((eni) => eni.interfaceType === 'trunk');
    expect(trunks()).toHaveLength(1);
    await w.restart();
    await w.run(10);
    expect(trunks()).toHaveLength(1);
    expect(w.controller.inspect().nodes[0]).toMatchObject({
      status: 'ready',
      trunkInterfaceId: trunks()[0]!.networkInterfaceId,
    });
  });
});

describe('BranchController: VLANs and capacity', () => {
  it('hands out unique lowest-free VLAN ids and queues pods beyond capacity in FIFO order', async () => {
    const w = (current = await world({ cooldownSeconds: 30 }));
    w.addNode('node-a', 'c5.large'); // 9 branches
    await w.run(5);
    for (let i = 0; i < 9; i++) await w.createPod(`web-${i}`);
    await w.run(20);
    const vlans = Array.from({ length: 9 }, (_, i) => w.annotation(`web-${i}`)!.vlanId);
    expect([...vlans].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The scheduler stops at the advertised capacity; released slots stay busy while cooling.
    await w.cluster.deletePod('default', 'web-3', { gracePeriodSeconds: 0 });
    await w.createPod('db-1', { app: 'db' });
    await w.createPod('db-2', { app: 'db' });
    await w.run(5);
    expect(w.annotation('db-1')).toBeNull();
    const node = w.controller.inspect().nodes[0]!;
    expect(node.waiting).toEqual(['default/db-1']);
    expect(node.counts['in-use'] + node.counts.cooling).toBe(9);
    await w.run(40);
    // After the cooldown the held web interface is deleted to make room for the db pod.
    const db = w.annotation('db-1')!;
    expect(db.vlanId).toBe(vlans[3]);
    expect(w.branches()).toHaveLength(9);
  });
});
