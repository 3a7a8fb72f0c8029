import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../errors/PolicyValidationError.js';
import { parseSecurityGroups } from './parseSecurityGroups.js';

/** What `aws ec2 describe-security-groups --group-ids sg-0db00000000000002` prints (trimmed). */
const described = {
  SecurityGroups: [
    {
      Description: 'PostgreSQL',
      GroupName: 'database',
      IpPermissions: [
        {
          FromPort: 5432,
          IpProtocol: 'tcp',
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
          ToPort: 5432,
          UserIdGroupPairs: [
            {
              Description: 'apps that need RDS',
              GroupId: 'sg-0a000000000000001',
              UserId: '111122223333',
            },
          ],
        },
        {
          FromPort: 8,
          IpProtocol: 'icmp',
          IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'ping from the VPC' }],
          Ipv6Ranges: [{ CidrIpv6: '2600:1f14:abc::/56' }],
          PrefixListIds: [{ PrefixListId: 'pl-02cd2c6b' }],
          ToPort: -1,
          UserIdGroupPairs: [],
        },
      ],
      OwnerId: '111122223333',
      GroupId: 'sg-0db00000000000002',
      IpPermissionsEgress: [
        {
          IpProtocol: '-1',
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [],
          PrefixListIds: [],
          UserIdGroupPairs: [],
        },
      ],
      Tags: [{ Key: 'Name', Value: 'db' }],
      VpcId: 'vpc-0a1b2c3d',
    },
  ],
};

function issuesOf(input: unknown) {
  try {
    parseSecurityGroups(input);
  } catch (error) {
    if (PolicyValidationError.is(error, 'InvalidSecurityGroups')) return error.issues;
    throw error;
  }
  throw new Error('expected InvalidSecurityGroups');
}

describe('parseSecurityGroups', () => {
  it('reads describe-security-groups output, ignoring the fields it does not use', () => {
    expect(parseSecurityGroups(described)).toEqual([
      {
        groupId: 'sg-0db00000000000002',
        groupName: 'database',
        vpcId: 'vpc-0a1b2c3d',
        ingress: [
          {
            traffic: { protocol: 'tcp', fromPort: 5432, toPort: 5432 },
            ipv4Ranges: [],
            ipv6Ranges: [],
            groupPairs: [
              {
                groupId: 'sg-0a000000000000001',
                userId: '111122223333',
                description: 'apps that need RDS',
              },
            ],
            prefixListIds: [],
          },
          {
            traffic: { protocol: 'icmp', icmpType: 8, icmpCode: null },
            ipv4Ranges: [{ cidr: '10.0.0.0/16', description: 'ping from the VPC' }],
            ipv6Ranges: [{ cidr: '2600:1f14:abc::/56', description: null }],
            groupPairs: [],
            prefixListIds: ['pl-02cd2c6b'],
          },
        ],
        egress: [
          {
            traffic: { protocol: 'all' },
            ipv4Ranges: [{ cidr: '0.0.0.0/0', description: null }],
            ipv6Ranges: [],
            groupPairs: [],
            prefixListIds: [],
          },
        ],
      },
    ]);
  });

  it('reads protocol numbers as names, and other numbers as themselves', () => {
    const protocols = ['6', '17', '1', '58', '50', 'TCP'].map((IpProtocol) => {
      const icmp = IpProtocol === '1' || IpProtocol === '58';
      const [group] = parseSecurityGroups({
        SecurityGroups: [
          {
            GroupId: 'sg-12345678',
            IpPermissions: [{ IpProtocol, FromPort: icmp ? -1 : 1, ToPort: icmp ? -1 : 2 }],
          },
        ],
      });
      return group?.ingress[0]?.traffic.protocol;
    });
    expect(protocols).toEqual(['tcp', 'udp', 'icmp', 'icmpv6', 50, 'tcp']);
  });

  it('names every bad field', () => {
    expect(
      issuesOf({
        SecurityGroups: [
          {
            GroupId: 'sg-12345',
            GroupName: 7,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 5432 },
              { IpProtocol: 'tcp', FromPort: 90, ToPort: 80 },
              { IpProtocol: 'gre', IpRanges: [{ CidrIp: '10.0.0.0/33' }] },
              { IpProtocol: 'icmp', FromPort: -1, ToPort: 0 },
              {
                IpProtocol: '-1',
                Ipv6Ranges: [{ CidrIpv6: '10.0.0.0/8' }],
                UserIdGroupPairs: [{ UserId: '1' }],
              },
              { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'my-list' }] },
            ],
            IpPermissionsEgress: {},
          },
          { GroupId: 'sg-0123456789abcdef0' },
          { GroupId: 'sg-0123456789abcdef0' },
        ],
      }),
    ).toEqual([
      {
        path: 'SecurityGroups[0].GroupId',
        message: 'must be "sg-" followed by 8 or 17 lowercase hex digits, got "sg-12345"',
      },
      { path: 'SecurityGroups[0].GroupName', message: 'must be a string, got 7' },
      {
        path: 'SecurityGroups[0].IpPermissions[0].ToPort',
        message: 'must be an integer from 0 to 65535, got nothing',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[1].ToPort',
        message: 'must not be below FromPort (90), got 80',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[2].IpProtocol',
        message: 'must be tcp, udp, icmp, icmpv6, -1 (all) or a protocol number 0-255, got "gre"',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[2].IpRanges[0].CidrIp',
        message: 'must be an IPv4 CIDR such as 10.0.0.0/16, got "10.0.0.0/33"',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[3].ToPort',
        message: 'must be -1 (all codes) when FromPort is -1 (all types)',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[4].Ipv6Ranges[0].CidrIpv6',
        message: 'must be an IPv6 CIDR such as 2600:1f14::/56, got "10.0.0.0/8"',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[4].UserIdGroupPairs[0].GroupId',
        message: 'must be "sg-" followed by 8 or 17 lowercase hex digits, got nothing',
      },
      {
        path: 'SecurityGroups[0].IpPermissions[5].PrefixListIds[0].PrefixListId',
        message: 'must be "pl-" followed by hex digits, got "my-list"',
      },
      { path: 'SecurityGroups[0].IpPermissionsEgress', message: 'must be an array, got an object' },
      { path: 'SecurityGroups[2].GroupId', message: 'sg-0123456789abcdef0 is listed twice' },
    ]);
  });

  it('refuses input that is not describe-security-groups output', () => {
    expect(issuesOf([])).toEqual([{ path: '<root>', message: 'must be an object, got an array' }]);
    expect(issuesOf({ SecurityGroup: [] })).toEqual([
      { path: 'SecurityGroups', message: 'must be an array, got nothing' },
    ]);
  });
});
