import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../errors/PolicyValidationError.js';
import type { Flow, ModelledInterface } from '../models/ReachabilityQuery.js';
import type { ReachabilityVerdict, SideVerdict } from '../models/ReachabilityVerdict.js';
import { evaluateReachability } from './evaluateReachability.js';
import { parseSecurityGroups } from './parseSecurityGroups.js';

const RDS_ACCESS = 'sg-0a000000000000001';
const DATABASE = 'sg-0db00000000000002';
const OTHER = 'sg-0c000000000000003';
const SPARE = 'sg-0e000000000000004';

/** Everything may go out: the egress rule EC2 gives every new group. */
const allOutbound = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

/** Groups in the shape `aws ec2 describe-security-groups` prints. */
function groups(...entries: Record<string, unknown>[]) {
  return parseSecurityGroups({ SecurityGroups: entries });
}

/** The walkthrough: a database group allowing 5432 only from rds-access; no egress rule of its own. */
const walkthroughGroups = groups(
  { GroupId: RDS_ACCESS, GroupName: 'rds-access', IpPermissionsEgress: allOutbound },
  { GroupId: OTHER, GroupName: 'node', IpPermissionsEgress: allOutbound },
  {
    GroupId: DATABASE,
    GroupName: 'database',
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        UserIdGroupPairs: [{ GroupId: RDS_ACCESS, UserId: '111122223333' }],
      },
    ],
    IpPermissionsEgress: [],
  },
);
const podA: ModelledInterface = { id: 'eni-a', addresses: ['10.0.1.10'], groupIds: [RDS_ACCESS] };
const podB: ModelledInterface = { id: 'eni-b', addresses: ['10.0.1.11'], groupIds: [OTHER] };
const db: ModelledInterface = { id: 'eni-db', addresses: ['10.0.3.7'], groupIds: [DATABASE] };
const walkthrough = { interfaces: [podA, podB, db], securityGroups: walkthroughGroups };

const tcp = (source: Flow['source'], destination: Flow['destination'], port: number): Flow => ({
  protocol: 'tcp',
  source,
  destination,
  port,
});

function allowedRule(side: SideVerdict) {
  if (side.outcome !== 'allowed') throw new Error(`expected allowed, got ${JSON.stringify(side)}`);
  return side.rule;
}

function denied(side: SideVerdict) {
  if (side.outcome !== 'denied') throw new Error(`expected denied, got ${JSON.stringify(side)}`);
  return side;
}

/** One interface with `ingress` rules, one sender allowed everything out; tcp/udp/icmp flows to it. */
function toServer(ingress: Record<string, unknown>[], flow: Omit<Flow, 'source' | 'destination'>) {
  const model = {
    interfaces: [
      { id: 'client', addresses: ['10.0.1.5', '10.0.1.6', 'fd00::5'], groupIds: [OTHER] },
      { id: 'server', addresses: ['10.0.2.9', 'fd00::9'], groupIds: [SPARE] },
    ],
    securityGroups: groups(
      {
        GroupId: OTHER,
        IpPermissionsEgress: [
          ...allOutbound,
          { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
      },
      { GroupId: SPARE, IpPermissions: ingress },
    ),
  };
  const v6 = flow.protocol === 'icmpv6';
  return evaluateReachability(model, {
    ...flow,
    source: { address: v6 ? 'fd00::5' : '10.0.1.5' },
    destination: { interfaceId: 'server' },
  });
}

describe('evaluateReachability: the walkthrough', () => {
  it('lets the pod with rds-access reach the database on 5432, naming the rule on each side', () => {
    const verdict = evaluateReachability(
      walkthrough,
      tcp({ interfaceId: 'eni-a' }, { interfaceId: 'eni-db' }, 5432),
    );
    expect(verdict.allowed).toBe(true);
    expect(allowedRule(verdict.egress)).toEqual({
      groupId: RDS_ACCESS,
      groupName: 'rds-access',
      direction: 'egress',
      permissionIndex: 0,
      peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
      summary: 'all traffic to 0.0.0.0/0',
    });
    expect(allowedRule(verdict.ingress)).toEqual({
      groupId: DATABASE,
      groupName: 'database',
      direction: 'ingress',
      permissionIndex: 0,
      peer: { kind: 'group', groupId: RDS_ACCESS },
      summary: `tcp 5432 from ${RDS_ACCESS} (rds-access)`,
    });
  });

  it('stops the pod without it at the database, saying which side lacks a rule and why', () => {
    const verdict = evaluateReachability(
      walkthrough,
      tcp({ address: '10.0.1.11' }, { address: '10.0.3.7' }, 5432),
    );
    expect(verdict.allowed).toBe(false);
    expect(verdict.egress.outcome).toBe('allowed');
    const ingress = denied(verdict.ingress);
    expect(ingress.reason).toBe(
      `no ingress rule of ${DATABASE} allows tcp 5432 from eni-b (10.0.1.11)`,
    );
    expect(ingress.nearMisses.map((miss) => miss.mismatch)).toEqual([
      `eni-b carries ${OTHER}, not ${RDS_ACCESS}`,
    ]);
  });

  it('is stateful: the database answers although its group allows nothing out, but cannot open a flow itself', () => {
    // The database group has no egress rule, yet the flow to it is allowed: replies pass.
    expect(walkthroughGroups.find((group) => group.groupId === DATABASE)?.egress).toEqual([]);
    expect(
      evaluateReachability(
        walkthrough,
        tcp({ interfaceId: 'eni-a' }, { interfaceId: 'eni-db' }, 5432),
      ).allowed,
    ).toBe(true);
    const reverse = evaluateReachability(
      walkthrough,
      tcp({ interfaceId: 'eni-db' }, { interfaceId: 'eni-a' }, 40000),
    );
    expect(reverse.allowed).toBe(false);
    expect(denied(reverse.egress).reason).toBe(
      `no egress rule of ${DATABASE} allows tcp 40000 to eni-a (10.0.1.10)`,
    );
  });

  it('judges only the modelled side when the other end is an address outside the model', () => {
    const out = evaluateReachability(
      walkthrough,
      tcp({ interfaceId: 'eni-a' }, { address: '192.0.2.1' }, 443),
    );
    expect(out.allowed).toBe(true);
    expect(out.ingress).toEqual({
      direction: 'ingress',
      outcome: 'not-modelled',
      reason: 'the destination 192.0.2.1 is not a modelled interface, so no ingress rule applies',
    });
    const inbound = evaluateReachability(
      walkthrough,
      tcp({ address: '10.0.1.200' }, { interfaceId: 'eni-db' }, 5432),
    );
    expect(inbound.allowed).toBe(false);
    expect(inbound.egress.outcome).toBe('not-modelled');
    expect(denied(inbound.ingress).nearMisses[0]?.mismatch).toBe(
      '10.0.1.200 is no modelled interface, so it carries no group',
    );
  });
});

describe('evaluateReachability: each rule form', () => {
  const port = (from: number, to: number, protocol = 'tcp') => ({
    IpProtocol: protocol,
    FromPort: from,
    ToPort: to,
    IpRanges: [{ CidrIp: '10.0.0.0/16' }],
  });

  it('port ranges are inclusive at both ends', () => {
    const rule = [port(80, 90)];
    expect(toServer(rule, { protocol: 'tcp', port: 80 }).allowed).toBe(true);
    expect(toServer(rule, { protocol: 'tcp', port: 90 }).allowed).toBe(true);
    const above = toServer(rule, { protocol: 'tcp', port: 91 });
    expect(above.allowed).toBe(false);
    expect(denied(above.ingress).nearMisses[0]?.mismatch).toBe('port 91 not in 80-90');
    expect(toServer([port(5432, 5432)], { protocol: 'tcp', port: 5431 }).allowed).toBe(false);
  });

  it('tcp rules do not allow udp, nor udp rules tcp; protocol numbers 6 and 17 are tcp and udp', () => {
    expect(toServer([port(53, 53, 'udp')], { protocol: 'udp', port: 53 }).allowed).toBe(true);
    const tcpToUdp = toServer([port(53, 53, 'udp')], { protocol: 'tcp', port: 53 });
    expect(denied(tcpToUdp.ingress).nearMisses[0]?.mismatch).toBe('udp rule, the flow is tcp');
    expect(toServer([port(53, 53, '17')], { protocol: 'udp', port: 53 }).allowed).toBe(true);
    expect(toServer([port(22, 22, '6')], { protocol: 'tcp', port: 22 }).allowed).toBe(true);
    expect(toServer([port(22, 22, '6')], { protocol: 'udp', port: 22 }).allowed).toBe(false);
  });

  it('-1 allows every protocol and port; another protocol number allows only itself', () => {
    const all = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.1.0/24' }] }];
    expect(toServer(all, { protocol: 'tcp', port: 1 }).allowed).toBe(true);
    expect(toServer(all, { protocol: 'udp', port: 65535 }).allowed).toBe(true);
    expect(toServer(all, { protocol: 'icmp', icmpType: 3, icmpCode: 4 }).allowed).toBe(true);
    const esp = [{ IpProtocol: '50', IpRanges: [{ CidrIp: '10.0.0.0/8' }] }];
    const verdict = toServer(esp, { protocol: 'tcp', port: 443 });
    expect(denied(verdict.ingress).nearMisses[0]?.mismatch).toBe('protocol 50 is not tcp');
  });

  it('icmp: FromPort is the type and ToPort the code, -1 meaning all; icmpv6 the same for IPv6', () => {
    const echo = [
      { IpProtocol: 'icmp', FromPort: 8, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    ];
    expect(toServer(echo, { protocol: 'icmp', icmpType: 8, icmpCode: 0 }).allowed).toBe(true);
    const unreachable = toServer(echo, { protocol: 'icmp', icmpType: 3, icmpCode: 4 });
    expect(denied(unreachable.ingress).nearMisses[0]?.mismatch).toBe('icmp type 3 is not 8');
    const exact = [
      { IpProtocol: '1', FromPort: 3, ToPort: 4, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
    ];
    expect(toServer(exact, { protocol: 'icmp', icmpType: 3, icmpCode: 4 }).allowed).toBe(true);
    expect(toServer(exact, { protocol: 'icmp', icmpType: 3, icmpCode: 1 }).allowed).toBe(false);
    const anyIcmp = [
      { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ];
    expect(toServer(anyIcmp, { protocol: 'icmp', icmpType: 11, icmpCode: 1 }).allowed).toBe(true);
    expect(toServer(anyIcmp, { protocol: 'icmpv6' }).allowed).toBe(false);
    const v6 = [
      { IpProtocol: 'icmpv6', FromPort: 128, ToPort: -1, Ipv6Ranges: [{ CidrIpv6: 'fd00::/64' }] },
    ];
    expect(toServer(v6, { protocol: 'icmpv6' }).allowed).toBe(true);
    expect(toServer(v6, { protocol: 'icmpv6', icmpType: 1, icmpCode: 0 }).allowed).toBe(false);
  });

  it('IPv4 ranges contain by prefix; an IPv6 range never matches an IPv4 flow', () => {
    const range = (cidr: string) => [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: cidr }] },
    ];
    expect(toServer(range('10.0.1.5/32'), { protocol: 'tcp', port: 443 }).allowed).toBe(true);
    expect(toServer(range('10.0.1.4/31'), { protocol: 'tcp', port: 443 }).allowed).toBe(true);
    const outside = toServer(range('10.0.1.6/31'), { protocol: 'tcp', port: 443 });
    expect(denied(outside.ingress).nearMisses[0]?.mismatch).toBe('10.0.1.5 not in 10.0.1.6/31');
    const v6only = [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ];
    const crossed = toServer(v6only, { protocol: 'tcp', port: 443 });
    expect(denied(crossed.ingress).nearMisses[0]?.mismatch).toBe('::/0 is IPv6, the flow IPv4');
  });

  it('IPv6 ranges match IPv6 flows', () => {
    const model = {
      interfaces: [{ id: 'server', addresses: ['2600:1f14:abc::9'], groupIds: [SPARE] }],
      securityGroups: groups({
        GroupId: SPARE,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            Ipv6Ranges: [{ CidrIpv6: '2600:1f14:abc::/56' }],
          },
        ],
      }),
    };
    const from = (address: string) =>
      evaluateReachability(model, tcp({ address }, { interfaceId: 'server' }, 443)).allowed;
    expect(from('2600:1f14:abc:ff::1')).toBe(true);
    expect(from('2600:1f14:abc:100::1')).toBe(false);
  });

  it('a referenced group matches the peer at its primary address only', () => {
    const model = {
      interfaces: [
        { id: 'client', addresses: ['10.0.1.5', '10.0.1.6'], groupIds: [OTHER] },
        { id: 'server', addresses: ['10.0.2.9'], groupIds: [SPARE] },
      ],
      securityGroups: groups(
        { GroupId: OTHER, IpPermissionsEgress: allOutbound },
        {
          GroupId: SPARE,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: OTHER }] },
          ],
        },
      ),
    };
    const from = (source: Flow['source']) =>
      evaluateReachability(model, tcp(source, { interfaceId: 'server' }, 22));
    expect(from({ interfaceId: 'client' }).allowed).toBe(true);
    expect(from({ address: '10.0.1.5' }).allowed).toBe(true);
    const secondary = from({ address: '10.0.1.6' });
    expect(secondary.egress.outcome).toBe('allowed'); // its own groups still apply to it
    expect(denied(secondary.ingress).nearMisses[0]?.mismatch).toBe(
      '10.0.1.6 is not the primary address of client (group rules match primary addresses)',
    );
  });

  it('a group may reference itself', () => {
    const model = {
      interfaces: [
        { id: 'a', addresses: ['10.0.1.5'], groupIds: [SPARE] },
        { id: 'b', addresses: ['10.0.1.6'], groupIds: [SPARE] },
      ],
      securityGroups: groups({
        GroupId: SPARE,
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: SPARE }] }],
        IpPermissionsEgress: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: SPARE }] }],
      }),
    };
    expect(
      evaluateReachability(model, tcp({ interfaceId: 'a' }, { interfaceId: 'b' }, 9000)).allowed,
    ).toBe(true);
    expect(
      evaluateReachability(model, tcp({ interfaceId: 'a' }, { address: '10.0.9.9' }, 9000)).allowed,
    ).toBe(false);
  });

  it('prefix lists are not modelled and never match', () => {
    const verdict = toServer(
      [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }],
        },
      ],
      { protocol: 'tcp', port: 443 },
    );
    expect(verdict.allowed).toBe(false);
    expect(denied(verdict.ingress).nearMisses[0]?.mismatch).toBe(
      'prefix list pl-0123456789abcdef0 is not modelled',
    );
  });

  it('an unknown peer address is matched by /0 ranges and referenced groups only', () => {
    const model = {
      interfaces: [
        { id: 'pod', addresses: [], groupIds: [RDS_ACCESS] },
        { id: 'target', addresses: [], groupIds: [DATABASE] },
      ],
      securityGroups: groups(
        {
          GroupId: RDS_ACCESS,
          IpPermissionsEgress: [
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              IpRanges: [{ CidrIp: '10.0.0.0/16' }],
            },
          ],
        },
        {
          GroupId: DATABASE,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              UserIdGroupPairs: [{ GroupId: RDS_ACCESS }],
            },
          ],
        },
      ),
    };
    const verdict = evaluateReachability(
      model,
      tcp({ interfaceId: 'pod' }, { interfaceId: 'target' }, 5432),
    );
    expect(verdict.ingress.outcome).toBe('allowed');
    expect(denied(verdict.egress).nearMisses[0]?.mismatch).toBe(
      "the peer's address is unknown; only a /0 range can be judged",
    );
  });

  it('reports the first allowing rule in the order of the interface groups, and groups without rules', () => {
    const model = {
      interfaces: [
        { id: 'server', addresses: ['10.0.2.9'], groupIds: [SPARE, 'sg-0f000000000000005', OTHER] },
      ],
      securityGroups: groups(
        {
          GroupId: OTHER,
          IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
        {
          GroupId: SPARE,
          IpPermissions: [
            { IpProtocol: 'udp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            {
              IpProtocol: 'tcp',
              FromPort: 0,
              ToPort: 65535,
              IpRanges: [{ CidrIp: '192.0.2.0/24' }, { CidrIp: '10.0.0.0/8' }],
            },
          ],
        },
      ),
    };
    const verdict = evaluateReachability(
      model,
      tcp({ address: '10.1.2.3' }, { interfaceId: 'server' }, 8080),
    );
    const ingress = verdict.ingress;
    expect(allowedRule(ingress)).toMatchObject({
      groupId: SPARE,
      permissionIndex: 1,
      peer: { kind: 'cidr', cidr: '10.0.0.0/8' },
      summary: 'tcp all ports from 10.0.0.0/8',
    });
    expect(ingress.outcome === 'allowed' && ingress.unknownGroupIds).toEqual([
      'sg-0f000000000000005',
    ]);
  });

  it('an interface without groups may send and receive nothing', () => {
    const model = {
      interfaces: [{ id: 'bare', addresses: ['10.0.2.9'], groupIds: [] }],
      securityGroups: [],
    };
    const verdict = evaluateReachability(
      model,
      tcp({ address: '10.0.0.1' }, { interfaceId: 'bare' }, 80),
    );
    expect(denied(verdict.ingress).reason).toBe(
      'bare carries no security group, so it may receive nothing',
    );
  });
});

describe('evaluateReachability: inconsistent input', () => {
  function issues(run: () => ReachabilityVerdict) {
    try {
      run();
    } catch (error) {
      if (PolicyValidationError.is(error, 'InvalidReachabilityQuery')) return error.issues;
      throw error;
    }
    throw new Error('expected an InvalidReachabilityQuery');
  }

  it('names every bad field', () => {
    const model = {
      interfaces: [
        { id: 'a', addresses: ['10.0.0.1', '10.0.0.256'], groupIds: [] },
        { id: 'a', addresses: ['10.0.0.1'], groupIds: [] },
      ],
      securityGroups: [],
    };
    expect(
      issues(() =>
        evaluateReachability(model, tcp({ interfaceId: 'nope' }, { address: 'db.local' }, 70000)),
      ),
    ).toEqual([
      { path: 'interfaces[0].addresses[1]', message: '"10.0.0.256" is not an IP address' },
      { path: 'interfaces[1].id', message: 'a is listed twice' },
      { path: 'interfaces[1].addresses[0]', message: '10.0.0.1 is also an address of a' },
      { path: 'flow.port', message: 'a tcp flow needs a port from 0 to 65535' },
      { path: 'flow.source.interfaceId', message: 'no interface nope in the model' },
      { path: 'flow.destination.address', message: '"db.local" is not an IP address' },
    ]);
  });

  it('refuses an interface without an address of the flow family', () => {
    const model = {
      interfaces: [{ id: 'v4-only', addresses: ['10.0.0.1'], groupIds: [] }],
      securityGroups: [],
    };
    expect(
      issues(() =>
        evaluateReachability(model, tcp({ interfaceId: 'v4-only' }, { address: 'fd00::1' }, 80)),
      ),
    ).toEqual([
      { path: 'flow.source.interfaceId', message: 'v4-only has no IPv6 address for an IPv6 flow' },
    ]);
  });

  it('refuses a flow that mixes IPv4 and IPv6', () => {
    const model = { interfaces: [], securityGroups: [] };
    expect(
      issues(() =>
        evaluateReachability(model, tcp({ address: '10.0.0.1' }, { address: 'fd00::1' }, 80)),
      ),
    ).toEqual([{ path: 'flow', message: 'mixes IPv4 and IPv6: tcp from 10.0.0.1 to fd00::1' }]);
    expect(
      issues(() =>
        evaluateReachability(model, {
          protocol: 'icmp',
          source: { address: 'fd00::1' },
          destination: { address: null },
        }),
      )[0]?.path,
    ).toBe('flow');
  });
});
