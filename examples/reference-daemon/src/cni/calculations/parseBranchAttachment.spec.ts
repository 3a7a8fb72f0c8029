import { describe, expect, it } from 'vitest';
import { ipv6ToBigInt, parseBranchAttachment } from './parseBranchAttachment.js';

const good = {
  eniId: 'eni-0123456789abcdef0',
  ifAddress: '0A:1B:2C:3D:4E:5F',
  privateIp: '10.0.3.7',
  vlanId: 3,
  subnetCidr: '10.0.0.0/20',
  associationID: 'trunk-assoc-0123',
};

describe('parseBranchAttachment', () => {
  it('accepts an EKS attachment, lowercasing the MAC and treating empty IPv6 fields as absent', () => {
    const parsed = parseBranchAttachment({ ...good, ipv6Addr: '', subnetV6Cidr: '' }, 'branch');
    expect(parsed).toEqual({
      ok: true,
      branch: { ...good, ifAddress: '0a:1b:2c:3d:4e:5f' },
    });
  });

  it('keeps IPv6 fields when set', () => {
    const parsed = parseBranchAttachment(
      { ...good, ipv6Addr: '2001:DB8::7', subnetV6Cidr: '2001:db8::/64' },
      'branch',
    );
    expect(parsed.ok && parsed.branch.ipv6Addr).toBe('2001:db8::7');
    expect(parsed.ok && parsed.branch.subnetV6Cidr).toBe('2001:db8::/64');
  });

  it.each([
    [{ ...good, vlanId: 0 }, 'branch.vlanId'],
    [{ ...good, vlanId: 4095 }, 'branch.vlanId'],
    [{ ...good, vlanId: '3' }, 'branch.vlanId'],
    [{ ...good, vlanId: 2.5 }, 'branch.vlanId'],
    [{ ...good, vlanId: undefined, vlanID: 3 }, 'branch.vlanId'],
    [{ ...good, ifAddress: '0a:1b:2c:3d:4e' }, 'branch.ifAddress'],
    [{ ...good, ifAddress: '0a-1b-2c-3d-4e-5f' }, 'branch.ifAddress'],
    [{ ...good, privateIp: '10.0.3.256' }, 'branch.privateIp'],
    [{ ...good, privateIp: '10.0.03.7' }, 'branch.privateIp'],
    [{ ...good, privateIp: '10.0.3.7 --help' }, 'branch.privateIp'],
    [{ ...good, subnetCidr: '10.0.0.0' }, 'branch.subnetCidr'],
    [{ ...good, subnetCidr: '10.0.0.1/20' }, 'branch.subnetCidr'],
    [{ ...good, subnetCidr: '10.0.0.0/33' }, 'branch.subnetCidr'],
    [{ ...good, ipv6Addr: '2001:db8::7::1' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: 7 }, 'branch.ipv6Addr'],
    [{ ...good, subnetV6Cidr: '2001:db8::1/64' }, 'branch.subnetV6Cidr'],
    [{ ...good, eniId: 42 }, 'branch.eniId'],
    [[good], 'branch'],
    [null, 'branch'],
  ])('refuses %j naming %s', (value, field) => {
    const parsed = parseBranchAttachment(value, 'branch');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.field).toBe(field);
  });
});

describe('ipv6ToBigInt', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['fe80::1', (0xfe80n << 112n) | 1n],
    ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
  ])('reads %s', (text, value) => {
    expect(ipv6ToBigInt(text)).toBe(value);
  });

  it.each(['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '1:2:3:4:5:6:7::8', ''])(
    'refuses %s',
    (text) => {
      expect(ipv6ToBigInt(text)).toBeNull();
    },
  );
});
