import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  UnsafeTokenError,
  safeCidr,
  safeFwmark,
  safeInterfaceName,
  safeIp,
  safeMac,
  safeNetnsPath,
  safeTable,
  sysctlPath,
} from './safeTokens.js';

/** A value is safe on an ip/nft command line when it is one word that is not an option. */
function isOneHarmlessWord(value: string): boolean {
  return !/[\s#;"'\\]/.test(value) && !value.startsWith('-') && value !== '';
}

describe('safeTokens', () => {
  it('lets through only interface names that are one harmless word of at most 15 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (name) => {
        let accepted: string | undefined;
        try {
          accepted = safeInterfaceName('name', name);
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafeTokenError);
        }
        if (accepted !== undefined) {
          expect(isOneHarmlessWord(accepted)).toBe(true);
          expect(accepted.length).toBeLessThanOrEqual(15);
        }
      }),
    );
  });

  it.each(['eth0 up', '-force', 'a\nlink del lo', 'x#', 'sixteen-chars-xx', '', '..', 'eth0;'])(
    'refuses the interface name %j, naming the field',
    (name) => {
      expect(() => safeInterfaceName('peerName', name)).toThrow(/^peerName /);
    },
  );

  it('accepts the names podsg creates', () => {
    expect(safeInterfaceName('name', 'vlan.eth.4094')).toBe('vlan.eth.4094');
    expect(safeInterfaceName('name', 'vlan0123456789a')).toBe('vlan0123456789a');
  });

  it('parses addresses and CIDRs, lowercasing and refusing impossible prefixes', () => {
    expect(safeIp('via', 'FE80:EC2::1')).toBe('fe80:ec2::1');
    expect(() => safeIp('via', '10.0.0.1', 6)).toThrow(/via/);
    expect(() => safeIp('via', '10.0.0.256')).toThrow(UnsafeTokenError);
    expect(safeCidr('dst', '10.0.0.1/32')).toBe('10.0.0.1/32');
    expect(safeCidr('dst', '2600::1/128')).toBe('2600::1/128');
    expect(() => safeCidr('dst', '10.0.0.1/33')).toThrow(/dst/);
    expect(() => safeCidr('dst', '10.0.0.1')).toThrow(/dst/);
    expect(() => safeCidr('dst', '10.0.0.1/32 table 255')).toThrow(/dst/);
  });

  it('checks MACs, tables, marks and namespace paths', () => {
    expect(safeMac('mac', '02:AA:bb:cc:dd:EE')).toBe('02:aa:bb:cc:dd:ee');
    expect(() => safeMac('mac', '02:aa:bb:cc:dd')).toThrow(/mac/);
    expect(safeTable('table', 105)).toBe('105');
    expect(safeTable('table', 'main')).toBe('main');
    expect(() => safeTable('table', 0)).toThrow(/table/);
    expect(() => safeTable('table', 1.5)).toThrow(/table/);
    expect(safeFwmark('fwmark', '0x80/0x80')).toBe('0x80/0x80');
    expect(() => safeFwmark('fwmark', '0x80 lookup 1')).toThrow(/fwmark/);
    expect(safeNetnsPath('CNI_NETNS', '/var/run/netns/cni-1234')).toBe('/var/run/netns/cni-1234');
    expect(() => safeNetnsPath('CNI_NETNS', 'relative/path')).toThrow(/CNI_NETNS/);
    expect(() => safeNetnsPath('CNI_NETNS', '/run/netns/a b')).toThrow(/CNI_NETNS/);
    expect(() => safeNetnsPath('CNI_NETNS', '/run/../etc/passwd')).toThrow(/CNI_NETNS/);
  });

  it('maps sysctl keys of the safe set to /proc/sys paths, interface names with dots included', () => {
    expect(sysctlPath('key', 'net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlPath('key', 'net.ipv4.conf.vlan.eth.5.rp_filter')).toBe(
      '/proc/sys/net/ipv4/conf/vlan.eth.5/rp_filter',
    );
    expect(sysctlPath('key', 'net.ipv6.conf.all.forwarding')).toBe(
      '/proc/sys/net/ipv6/conf/all/forwarding',
    );
    for (const key of [
      'kernel.core_pattern',
      'net.ipv4.conf',
      'net.ipv4.conf.../x',
      'net.ipv4.a/b',
    ]) {
      expect(() => sysctlPath('key', key)).toThrow(/key/);
    }
  });
});
