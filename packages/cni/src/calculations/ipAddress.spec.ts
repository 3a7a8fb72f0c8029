import { describe, expect, it } from 'vitest';
import {
  cidrContainsAddress,
  firstAddressOfIpv4Subnet,
  formatIpv6,
  formatIpv6Value,
  ipv4BlockContains,
  ipv4BlocksOverlap,
  parseCidr,
  parseIpAddress,
  parseIpv4Cidr,
  parseIpv6,
  parseIpv6Cidr,
  parseMac,
} from './ipAddress.js';

describe('IP parsing', () => {
  it('accepts dotted quads and refuses malformed IPv4', () => {
    expect(parseIpAddress('10.0.0.5')).toEqual({ family: 4, address: '10.0.0.5' });
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.-4']) {
      expect(parseIpAddress(bad)).toBeNull();
    }
  });

  it('canonicalises IPv6 per RFC 5952', () => {
    expect(parseIpAddress('2001:DB8:0:0:0:0:0:1')?.address).toBe('2001:db8::1');
    expect(parseIpAddress('fe80:ec2::1')?.address).toBe('fe80:ec2::1');
    expect(parseIpAddress('2001:db8:0:1:1:1:1:1')?.address).toBe('2001:db8:0:1:1:1:1:1');
    expect(parseIpAddress('2001:0:0:1:0:0:0:1')?.address).toBe('2001:0:0:1::1');
    expect(parseIpAddress('::')?.address).toBe('::');
    expect(parseIpAddress('::ffff:10.0.0.1')?.address).toBe('::ffff:a00:1');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3') ?? [])).toBe('1:0:0:2::3');
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7', 'g::1', '1:2:3:4:5:6:7:8:9']) {
      expect(parseIpAddress(bad)).toBeNull();
    }
  });

  it('parses CIDRs with bounded prefixes and finds the subnet gateway', () => {
    expect(parseCidr('10.0.0.0/20')).toEqual({ family: 4, address: '10.0.0.0', prefixLength: 20 });
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('2001:db8::/129')).toBeNull();
    expect(parseCidr('10.0.0.0')).toBeNull();
    expect(firstAddressOfIpv4Subnet(parseCidr('10.0.16.0/20')!)).toBe('10.0.16.1');
    // The gateway is the network address + 1 even when the CIDR names a host inside it.
    expect(firstAddressOfIpv4Subnet(parseCidr('192.168.7.77/24')!)).toBe('192.168.7.1');
  });

  it('parses MACs to lowercase', () => {
    expect(parseMac('0A:1B:2C:3D:4E:5F')).toBe('0a:1b:2c:3d:4e:5f');
    expect(parseMac('0a:1b:2c:3d:4e')).toBeNull();
    expect(parseMac('0a-1b-2c-3d-4e-5f')).toBeNull();
  });
});

describe('subnet blocks and containment', () => {
  it('reads IPv4 subnets as blocks, refusing set host bits', () => {
    expect(parseIpv4Cidr('10.0.0.0/16')).toEqual({ base: 0x0a000000, prefix: 16, size: 65_536 });
    expect(parseIpv4Cidr('10.0.0.1/16')).toBeNull();
    expect(parseIpv4Cidr('10.0.0.0')).toBeNull();
    expect(parseIpv4Cidr('2001:db8::/64')).toBeNull();
    const vpc = parseIpv4Cidr('10.0.0.0/16')!;
    const subnet = parseIpv4Cidr('10.0.16.0/20')!;
    expect(ipv4BlockContains(vpc, subnet)).toBe(true);
    expect(ipv4BlockContains(subnet, vpc)).toBe(false);
    expect(ipv4BlocksOverlap(subnet, parseIpv4Cidr('10.0.31.0/24')!)).toBe(true);
    expect(ipv4BlocksOverlap(subnet, parseIpv4Cidr('10.0.32.0/24')!)).toBe(false);
  });

  it('reads IPv6 subnets as 128-bit values and writes them back in RFC 5952 form', () => {
    const block = parseIpv6Cidr('2600:1f14:0:0::/64')!;
    expect(block).toEqual({ base: 0x26001f14n << 96n, prefix: 64 });
    expect(formatIpv6Value(block.base + 5n)).toBe('2600:1f14::5');
    expect(parseIpv6Cidr('2600:1f14::1/64')).toBeNull();
    expect(parseIpv6Cidr('10.0.0.0/8')).toBeNull();
  });

  it('tells whether a CIDR (host bits allowed) or a bare address contains an address', () => {
    expect(cidrContainsAddress('10.0.5.9/20', '10.0.15.255')).toBe(true);
    expect(cidrContainsAddress('10.0.5.9/20', '10.0.16.0')).toBe(false);
    expect(cidrContainsAddress('169.254.1.1', '169.254.1.1')).toBe(true);
    expect(cidrContainsAddress('fe80::/64', 'fe80::1')).toBe(true);
    expect(cidrContainsAddress('fe80::/64', '10.0.0.1')).toBe(false);
    expect(cidrContainsAddress('nonsense', '10.0.0.1')).toBe(false);
  });
});
