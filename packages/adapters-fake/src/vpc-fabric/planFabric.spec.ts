import { describe, expect, it } from 'vitest';
import { FakeEc2 } from '../services/FakeEc2.js';
import { VirtualClock } from '../services/VirtualClock.js';
import { planFabric, type FabricModelView } from './planFabric.js';

const NODE_SG = 'sg-0c000000000000003';

/** A node with a trunk and one branch associated under VLAN 1, and a database interface. */
async function model() {
  const ec2 = new FakeEc2({
    clock: new VirtualClock(),
    attachDelayMs: 0,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [
      { id: 'subnet-0a000001', cidr: '10.0.1.0/24' },
      { id: 'subnet-0a000003', cidr: '10.0.3.0/24' },
    ],
    securityGroups: [NODE_SG],
  });
  const rds = ec2.createSecurityGroup({ groupName: 'rds-access', description: 'apps' }).groupId;
  const database = ec2.createSecurityGroup({ groupName: 'db', description: 'db' }).groupId;
  ec2.authorizeSecurityGroupRules(database, false, [
    { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: rds }] },
  ]);
  const instance = ec2.addInstance({ instanceType: 'm5.large', subnetId: 'subnet-0a000001' });
  const trunk = await ec2.createNetworkInterface({
    subnetId: 'subnet-0a000001',
    groupIds: [NODE_SG],
    interfaceType: 'trunk',
    description: 'trunk',
    tags: {},
    clientToken: 'token-1',
  });
  await ec2.attachNetworkInterface({
    networkInterfaceId: trunk.networkInterfaceId,
    instanceId: instance.instanceId,
    deviceIndex: 1,
  });
  const branch = await ec2.createNetworkInterface({
    subnetId: 'subnet-0a000001',
    groupIds: [rds, NODE_SG],
    interfaceType: 'branch',
    description: 'branch',
    tags: {},
    clientToken: 'token-2',
  });
  await ec2.associateTrunkInterface({
    trunkInterfaceId: trunk.networkInterfaceId,
    branchInterfaceId: branch.networkInterfaceId,
    vlanId: 1,
    clientToken: 'token-association',
  });
  const db = await ec2.createNetworkInterface({
    subnetId: 'subnet-0a000003',
    groupIds: [database],
    interfaceType: 'branch',
    description: 'db',
    tags: {},
    clientToken: 'token-3',
  });
  const view = (): FabricModelView => ({
    interfaces: ec2.interfaces(),
    associations: ec2.associations(),
    subnets: ec2.subnets(),
    securityGroups: ec2.securityGroups(),
  });
  return { ec2, trunk, branch, db, rds, database, view };
}

describe('planFabric', () => {
  it("terminates each association of the node's trunk as a VLAN with the branch's address, MAC and subnet router", async () => {
    const { trunk, branch, db, view } = await model();
    const plan = planFabric(view(), trunk.networkInterfaceId, [
      { interfaceId: db.networkInterfaceId, device: 'db0' },
    ]);
    expect(plan.links).toEqual([
      {
        device: 'vlan1',
        vlanId: 1,
        interfaceId: branch.networkInterfaceId,
        address: branch.privateIpAddress,
        macAddress: branch.macAddress,
        gateway: '10.0.1.1',
        prefixLength: 24,
      },
      {
        device: 'db0',
        vlanId: null,
        interfaceId: db.networkInterfaceId,
        address: db.privateIpAddress,
        macAddress: db.macAddress,
        gateway: '10.0.3.1',
        prefixLength: 24,
      },
    ]);
    expect(plan.ruleset).toMatch(
      /iifname vmap \{ "vlan1" : jump egress_\d+, "db0" : jump egress_\d+ \}/,
    );
    expect(plan.interfaces.map((eni) => eni.device ?? null)).toEqual([
      null, // the instance's primary interface: by address
      null, // the trunk: by address
      'vlan1',
      'db0',
    ]);
  });

  it('follows the model: a group taken off the branch leaves the set the database admits', async () => {
    const { ec2, trunk, branch, rds, view } = await model();
    const before = planFabric(view(), trunk.networkInterfaceId);
    const setOf = (ruleset: string) =>
      /set sg_[0-9a-f-]+_v4 \{[^}]*elements = \{ ([^}]*) \}/.exec(
        ruleset.replace(new RegExp(`sg_${rds.slice(3)}`), `sg_${rds.slice(3)}`),
      )?.[1] ?? '';
    expect(setOf(before.ruleset)).toContain(branch.privateIpAddress);
    await ec2.modifyNetworkInterface({
      networkInterfaceId: branch.networkInterfaceId,
      groupIds: [NODE_SG],
    });
    const after = planFabric(view(), trunk.networkInterfaceId);
    expect(after.ruleset).not.toBe(before.ruleset);
    expect(after.interfaces.find((eni) => eni.id === branch.networkInterfaceId)?.groupIds).toEqual([
      NODE_SG,
    ]);
    expect(setOf(after.ruleset)).not.toContain(branch.privateIpAddress);
  });

  it('another trunk’s associations, and a branch not yet visible, get no VLAN', async () => {
    const { view } = await model();
    expect(planFabric(view(), 'eni-0000000000000000f').links).toEqual([]);
    const state = view();
    expect(
      planFabric({ ...state, interfaces: [] }, state.associations[0]?.trunkInterfaceId ?? null)
        .links,
    ).toEqual([]);
  });
});
