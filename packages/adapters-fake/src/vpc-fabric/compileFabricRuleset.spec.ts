import { describe, expect, it } from 'vitest';
import { parseSecurityGroups, PolicyValidationError } from '@podsg/policy';
import { compileFabricRuleset } from './compileFabricRuleset.js';

const RDS_ACCESS = 'sg-0a000000000000001';
const DATABASE = 'sg-0db00000000000002';

const securityGroups = parseSecurityGroups({
  SecurityGroups: [
    {
      GroupId: RDS_ACCESS,
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
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
        {
          IpProtocol: 'icmp',
          FromPort: 8,
          ToPort: -1,
          IpRanges: [{ CidrIp: '10.99.0.0/16' }],
          Ipv6Ranges: [{ CidrIpv6: 'fd00::/64' }],
          PrefixListIds: [{ PrefixListId: 'pl-02cd2c6b' }],
        },
        {
          IpProtocol: 'udp',
          FromPort: 1024,
          ToPort: 2047,
          Ipv6Ranges: [{ CidrIpv6: 'fd00::/64' }],
        },
      ],
    },
  ],
});

describe('compileFabricRuleset', () => {
  it('compiles the walkthrough into one stateful inet table with per-interface chains and group sets', () => {
    const ruleset = compileFabricRuleset({
      interfaces: [
        {
          id: 'eni-pod',
          addresses: ['10.99.1.2', '10.99.1.3', 'fd00::2'],
          groupIds: [RDS_ACCESS],
          device: 'vlan.eth.5',
        },
        { id: 'eni-db', addresses: ['10.99.3.2'], groupIds: [DATABASE] },
      ],
      securityGroups,
    });
    expect(ruleset).toBe(
      [
        'add table inet podsg_vpc',
        'delete table inet podsg_vpc',
        'table inet podsg_vpc {',
        '\tset sg_0a000000000000001_v4 {',
        '\t\ttype ipv4_addr',
        // The primary address only: group references match primary addresses.
        '\t\telements = { 10.99.1.2 }',
        '\t\tcomment "primary IPv4 addresses of interfaces carrying sg-0a000000000000001"',
        '\t}',
        '\tset sg_0a000000000000001_v6 {',
        '\t\ttype ipv6_addr',
        '\t\telements = { fd00::2 }',
        '\t\tcomment "primary IPv6 addresses of interfaces carrying sg-0a000000000000001"',
        '\t}',
        '\tchain egress_0 {',
        '\t\tmeta nfproto ipv4 counter return comment "sg-0a000000000000001 egress #0: all traffic to 0.0.0.0/0"',
        '\t\tcounter drop comment "eni-pod: no egress rule of sg-0a000000000000001 allows it"',
        '\t}',
        '\tchain ingress_0 {',
        '\t\tcounter drop comment "eni-pod: no ingress rule of sg-0a000000000000001 allows it"',
        '\t}',
        '\tchain egress_1 {',
        '\t\tcounter drop comment "eni-db: no egress rule of sg-0db00000000000002 allows it"',
        '\t}',
        '\tchain ingress_1 {',
        '\t\ttcp dport 5432 ip saddr @sg_0a000000000000001_v4 counter accept comment "sg-0db00000000000002 ingress #0: tcp 5432 from sg-0a000000000000001"',
        '\t\ttcp dport 5432 ip6 saddr @sg_0a000000000000001_v6 counter accept comment "sg-0db00000000000002 ingress #0: tcp 5432 from sg-0a000000000000001"',
        // icmp: IPv4 peers only; the prefix list is left out.
        '\t\tmeta l4proto icmp icmp type 8 ip saddr 10.99.0.0/16 counter accept comment "sg-0db00000000000002 ingress #1: icmp type 8, all codes from 10.99.0.0/16"',
        '\t\tudp dport 1024-2047 ip6 saddr fd00::/64 counter accept comment "sg-0db00000000000002 ingress #2: udp 1024-2047 from fd00::/64"',
        '\t\tcounter drop comment "eni-db: no ingress rule of sg-0db00000000000002 allows it"',
        '\t}',
        '\tchain forward {',
        '\t\ttype filter hook forward priority filter; policy drop;',
        '\t\tct state established,related accept comment "stateful: replies of allowed flows"',
        '\t\tct state invalid drop',
        '\t\tiifname vmap { "vlan.eth.5" : jump egress_0 } comment "egress: the sending interface\'s groups"',
        '\t\tip saddr vmap { 10.99.3.2 : jump egress_1 } comment "egress: the sending interface\'s groups"',
        '\t\toifname vmap { "vlan.eth.5" : jump ingress_0 } comment "ingress: the receiving interface\'s groups"',
        '\t\tip daddr vmap { 10.99.3.2 : jump ingress_1 } comment "ingress: the receiving interface\'s groups"',
        '\t\tiifname { "vlan.eth.5" } accept comment "destination outside the model: the egress rules decided"',
        '\t\tip saddr { 10.99.3.2 } accept comment "destination outside the model: the egress rules decided"',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('keeps every value in its place: comments are sanitised, bad names and addresses refused', () => {
    const ruleset = compileFabricRuleset({
      interfaces: [{ id: 'eni"; flush ruleset; "', addresses: ['10.0.0.1'], groupIds: [] }],
      securityGroups: [],
    });
    expect(ruleset).toContain(
      'comment "eni__ flush ruleset_ _: no egress rule of any group allows it"',
    );

    let issues: unknown;
    try {
      compileFabricRuleset({
        tableName: 'podsg vpc',
        interfaces: [
          { id: 'a', addresses: ['10.0.0.1', '10.0.0.300'], groupIds: [], device: 'eth0' },
          { id: 'b', addresses: ['10.0.0.1'], groupIds: [], device: 'a-name-longer-than-15' },
          { id: 'c', addresses: [], groupIds: [], device: 'eth0' },
        ],
        securityGroups: [],
      });
    } catch (error) {
      if (PolicyValidationError.is(error, 'InvalidReachabilityQuery')) issues = error.issues;
    }
    expect(issues).toEqual([
      { path: 'tableName', message: '"podsg vpc" is not an nft identifier' },
      { path: 'interfaces[0].addresses[1]', message: '"10.0.0.300" is not an IP address' },
      { path: 'interfaces[1].addresses[0]', message: "10.0.0.1 is also a's" },
      { path: 'interfaces[1].device', message: '"a-name-longer-than-15" is not a device name' },
      { path: 'interfaces[2].device', message: "eth0 is also a's" },
    ]);
  });
});
