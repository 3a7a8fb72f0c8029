import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../errors/PolicyValidationError.js';
import { parseNetworkInterfaces } from './parseNetworkInterfaces.js';

describe('parseNetworkInterfaces', () => {
  it('reads describe-network-interfaces output: primary address first, then the others', () => {
    expect(
      parseNetworkInterfaces({
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-0db0000000000000a',
            Description: 'RDS network interface',
            Groups: [{ GroupId: 'sg-0db00000000000002', GroupName: 'database' }],
            PrivateIpAddress: '10.0.3.7',
            PrivateIpAddresses: [
              { Primary: false, PrivateIpAddress: '10.0.3.8' },
              { Primary: true, PrivateIpAddress: '10.0.3.7' },
            ],
            Ipv6Addresses: [{ Ipv6Address: '2600:1f14:abc::7' }],
            Status: 'in-use',
          },
        ],
      }),
    ).toEqual([
      {
        id: 'eni-0db0000000000000a',
        addresses: ['10.0.3.7', '10.0.3.8', '2600:1f14:abc::7'],
        groupIds: ['sg-0db00000000000002'],
      },
    ]);
    expect(parseNetworkInterfaces({ SecurityGroups: [] })).toEqual([]);
  });

  it('names every bad field', () => {
    let issues: unknown;
    try {
      parseNetworkInterfaces({
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-1',
            PrivateIpAddress: '10.0.3.300',
            Groups: [{ GroupName: 'db' }],
          },
          { NetworkInterfaceId: 'eni-12345678', Ipv6Addresses: [{ Ipv6Address: '10.0.0.1' }] },
        ],
      });
    } catch (error) {
      if (PolicyValidationError.is(error, 'InvalidNetworkInterfaces')) issues = error.issues;
    }
    expect(issues).toEqual([
      {
        path: 'NetworkInterfaces[0].NetworkInterfaceId',
        message: 'must be "eni-" followed by 8 or 17 lowercase hex digits, got "eni-1"',
      },
      {
        path: 'NetworkInterfaces[0].PrivateIpAddress',
        message: 'must be an IPv4 address, got "10.0.3.300"',
      },
      {
        path: 'NetworkInterfaces[0].Groups[0].GroupId',
        message: 'must be "sg-" followed by 8 or 17 lowercase hex digits, got nothing',
      },
      {
        path: 'NetworkInterfaces[1].Ipv6Addresses[0].Ipv6Address',
        message: 'must be an IPv6 address, got "10.0.0.1"',
      },
      {
        path: 'NetworkInterfaces[1].Groups',
        message: 'must be an array of {GroupId}, got nothing',
      },
    ]);
  });
});
