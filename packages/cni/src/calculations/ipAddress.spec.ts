import { describe, expect, it } from 'vitest';
import {
  firstAddressOfIpv4Subnet,
  formatIpv6,
  parseCidr,
  parseIpAddress,
  parseIpv6,
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
