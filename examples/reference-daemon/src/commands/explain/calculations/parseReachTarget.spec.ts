import { describe, expect, it } from 'vitest';
import { parseReachTarget } from './parseReachTarget.js';

describe('parseReachTarget', () => {
  it('reads a group, an IPv4 and a bracketed IPv6 target; tcp by default', () => {
    expect(parseReachTarget('sg-0a1b2c3d4e5f60002:5432')).toEqual({
      kind: 'group',
      groupId: 'sg-0a1b2c3d4e5f60002',
      port: 5432,
      protocol: 'tcp',
    });
    expect(parseReachTarget('10.0.3.7:53/udp')).toEqual({
      kind: 'address',
      address: '10.0.3.7',
      port: 53,
      protocol: 'udp',
    });
    expect(parseReachTarget('[2600:1f14::7]:443/tcp')).toEqual({
      kind: 'address',
      address: '2600:1f14::7',
      port: 443,
      protocol: 'tcp',
    });
  });

  it('says what is wrong with a bad target', () => {
    const why = (text: string) => {
      try {
        parseReachTarget(text);
      } catch (error) {
        return (error as Error).message.split(';')[0];
      }
      throw new Error('expected an error');
    };
    expect(why('10.0.3.7')).toBe('--to "10.0.3.7": not of the form <sg-id|ip>:<port>[/tcp|udp]');
    expect(why('10.0.3.7:0')).toBe('--to "10.0.3.7:0": port 0 is not 1-65535');
    expect(why('10.0.3.7:70000')).toBe('--to "10.0.3.7:70000": port 70000 is not 1-65535');
    expect(why('10.0.3.7:80/icmp')).toBe(
      '--to "10.0.3.7:80/icmp": protocol icmp is not tcp or udp',
    );
    expect(why('sg-12345:80')).toBe(
      '--to "sg-12345:80": sg-12345 is not a security group id ("sg-" and 8 or 17 lowercase hex digits)',
    );
    expect(why('db.internal:5432')).toBe(
      '--to "db.internal:5432": db.internal is neither a security group id nor an IP address',
    );
    expect(why('[10.0.0.1]:80')).toBe('--to "[10.0.0.1]:80": [10.0.0.1] is not an IPv6 address');
    expect(why('fd00::1:80')).toBe(
      '--to "fd00::1:80": not of the form <sg-id|ip>:<port>[/tcp|udp]',
    );
  });
});
