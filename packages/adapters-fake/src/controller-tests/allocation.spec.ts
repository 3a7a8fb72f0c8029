import { afterEach, describe, expect, it } from 'vitest';
import { POD_ENI_ANNOTATION, POD_ENI_RESOURCE } from '@podsg/allocator';
import { SG_NODE, SG_WEB, world } from './harness.js';
import type { World } from './harness.js';

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
