import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import type { PodEniAttachment } from '../models/PodEniAttachment.js';
import {
  decodePodEniAnnotation,
  encodePodEniAnnotation,
  parsePodEniAnnotation,
  parsePodEniBranch,
} from './podEniAnnotation.js';

const attachment: PodEniAttachment = {
  eniId: 'eni-0123456789abcdef0',
  ifAddress: '02:42:ac:11:00:02',
  privateIp: '10.0.1.23',
  ipv6Addr: '',
  vlanId: 3,
  subnetCidr: '10.0.0.0/20',
  subnetV6Cidr: '',
  associationID: 'trunk-assoc-0a1b2c3d',
};

function invalidMessage(annotation: string): string {
  try {
    decodePodEniAnnotation(annotation);
  } catch (error) {
    expect(AllocatorError.is(error, 'Invalid')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('encodePodEniAnnotation', () => {
  it("writes EKS's JSON array with its key names and order", () => {
    expect(
      encodePodEniAnnotation([{ ...attachment, associationID: 'a-1', eniId: attachment.eniId }]),
    ).toBe(
      '[{"eniId":"eni-0123456789abcdef0","ifAddress":"02:42:ac:11:00:02","privateIp":"10.0.1.23",' +
        '"ipv6Addr":"","vlanId":3,"subnetCidr":"10.0.0.0/20","subnetV6Cidr":"","associationID":"a-1"}]',
    );
  });

  it('keeps the key order whatever order the input object has', () => {
    const { eniId, ifAddress, ...rest } = attachment;
    const shuffled: PodEniAttachment = { ...rest, ifAddress, eniId };
    expect(Object.keys(JSON.parse(encodePodEniAnnotation([shuffled]))[0] as object)).toEqual([
      'eniId',
      'ifAddress',
      'privateIp',
      'ipv6Addr',
      'vlanId',
      'subnetCidr',
      'subnetV6Cidr',
      'associationID',
    ]);
  });
});

describe('decodePodEniAnnotation', () => {
  it('round-trips what encode wrote', () => {
    expect(decodePodEniAnnotation(encodePodEniAnnotation([attachment]))).toEqual([attachment]);
  });

  it('accepts IPv6 fields and treats absent ones as empty', () => {
    const v6 = { ...attachment, ipv6Addr: '2600:1f14::5', subnetV6Cidr: '2600:1f14::/64' };
    expect(decodePodEniAnnotation(encodePodEniAnnotation([v6]))[0]).toEqual(v6);
    const { ipv6Addr: _a, subnetV6Cidr: _b, ...without } = attachment;
    expect(decodePodEniAnnotation(JSON.stringify([without]))[0]).toEqual(attachment);
  });

  it('names the field that is wrong', () => {
    expect(invalidMessage('{')).toMatch(/is not JSON/);
    expect(invalidMessage('{}')).toMatch(/is not a JSON array/);
    expect(invalidMessage('[]')).toMatch(/is an empty array/);
    expect(invalidMessage('[1]')).toMatch(/\[0\] must be an object/);
    expect(invalidMessage(JSON.stringify([{ ...attachment, vlanId: '3' }]))).toMatch(
      /\[0\]\.vlanId/,
    );
    expect(invalidMessage(JSON.stringify([{ ...attachment, vlanId: 0 }]))).toMatch(/\[0\]\.vlanId/);
    expect(invalidMessage(JSON.stringify([{ ...attachment, eniId: 'i-123' }]))).toMatch(
      /\[0\]\.eniId/,
    );
    expect(invalidMessage(JSON.stringify([{ ...attachment, ifAddress: 'zz' }]))).toMatch(
      /\[0\]\.ifAddress/,
    );
    expect(invalidMessage(JSON.stringify([{ ...attachment, privateIp: '10.0.0.256' }]))).toMatch(
      /\[0\]\.privateIp/,
    );
    expect(
      invalidMessage(JSON.stringify([attachment, { ...attachment, subnetCidr: '10.0.0.0' }])),
    ).toMatch(/\[1\]\.subnetCidr/);
  });

  it("reads vlanID, as EKS's CNI does, and still writes vlanId", () => {
    const { vlanId: _vlan, ...rest } = attachment;
    const decoded = decodePodEniAnnotation(JSON.stringify([{ ...rest, vlanID: 3 }]));
    expect(decoded).toEqual([attachment]);
    expect(encodePodEniAnnotation(decoded)).toContain('"vlanId":3');
  });

  it('needs the interface and association ids it owns the branch by', () => {
    const { eniId: _eni, ...noEni } = attachment;
    expect(invalidMessage(JSON.stringify([noEni]))).toMatch(/\[0\]\.eniId is missing/);
    const { associationID: _assoc, ...noAssoc } = attachment;
    expect(invalidMessage(JSON.stringify([noAssoc]))).toMatch(/\[0\]\.associationID is missing/);
  });
});

const good = {
  eniId: 'eni-0123456789abcdef0',
  ifAddress: '0A:1B:2C:3D:4E:5F',
  privateIp: '10.0.3.7',
  vlanId: 3,
  subnetCidr: '10.0.0.0/20',
  associationID: 'trunk-assoc-0123',
};

describe('parsePodEniBranch', () => {
  it('accepts an EKS attachment, lowercasing the MAC and treating empty IPv6 fields as absent', () => {
    const parsed = parsePodEniBranch({ ...good, ipv6Addr: '', subnetV6Cidr: '' }, 'branch');
    expect(parsed).toEqual({
      ok: true,
      branch: { ...good, ifAddress: '0a:1b:2c:3d:4e:5f' },
    });
  });

  it('keeps IPv6 fields when set', () => {
    const parsed = parsePodEniBranch(
      { ...good, ipv6Addr: '2001:DB8::7', subnetV6Cidr: '2001:db8::/64' },
      'branch',
    );
    expect(parsed.ok && parsed.branch.ipv6Addr).toBe('2001:db8::7');
    expect(parsed.ok && parsed.branch.subnetV6Cidr).toBe('2001:db8::/64');
  });

  it('reads vlanID as vlanId, and the EC2 ids only when listed', () => {
    const { eniId: _eni, associationID: _assoc, vlanId: _vlan, ...bare } = good;
    expect(parsePodEniBranch({ ...bare, vlanID: 7 }, 'branch')).toEqual({
      ok: true,
      branch: { ...bare, ifAddress: '0a:1b:2c:3d:4e:5f', vlanId: 7 },
    });
  });

  it.each(['::', '::1', 'fe80::1', '1:2:3:4:5:6:7:8'])('reads the IPv6 address %s', (text) => {
    expect(parsePodEniBranch({ ...good, ipv6Addr: text }, 'branch').ok).toBe(true);
  });

  it.each([
    [{ ...good, vlanId: 0 }, 'branch.vlanId'],
    [{ ...good, vlanId: 4095 }, 'branch.vlanId'],
    [{ ...good, vlanId: '3' }, 'branch.vlanId'],
    [{ ...good, vlanId: 2.5 }, 'branch.vlanId'],
    [{ ...good, vlanId: undefined, vlanid: 3 }, 'branch.vlanId'],
    [{ ...good, ifAddress: '0a:1b:2c:3d:4e' }, 'branch.ifAddress'],
    [{ ...good, ifAddress: '0a-1b-2c-3d-4e-5f' }, 'branch.ifAddress'],
    [{ ...good, privateIp: '10.0.3.256' }, 'branch.privateIp'],
    [{ ...good, privateIp: '10.0.03.7' }, 'branch.privateIp'],
    [{ ...good, privateIp: '10.0.3.7 --help' }, 'branch.privateIp'],
    [{ ...good, subnetCidr: '10.0.0.0' }, 'branch.subnetCidr'],
    [{ ...good, subnetCidr: '10.0.0.1/20' }, 'branch.subnetCidr'],
    [{ ...good, subnetCidr: '10.0.0.0/33' }, 'branch.subnetCidr'],
    [{ ...good, ipv6Addr: '2001:db8::7::1' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: '1:2:3:4:5:6:7' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: '1:2:3:4:5:6:7:8:9' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: 'g::1' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: '1:2:3:4:5:6:7::8' }, 'branch.ipv6Addr'],
    [{ ...good, ipv6Addr: 7 }, 'branch.ipv6Addr'],
    [{ ...good, subnetV6Cidr: '2001:db8::1/64' }, 'branch.subnetV6Cidr'],
    [{ ...good, eniId: 42 }, 'branch.eniId'],
    [{ ...good, eniId: 'i-0123456789abcdef0' }, 'branch.eniId'],
    [{ ...good, associationID: '' }, 'branch.associationID'],
    [[good], 'branch'],
    [null, 'branch'],
  ])('refuses %j naming %s', (value, field) => {
    const parsed = parsePodEniBranch(value, 'branch');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.field).toBe(field);
  });
});

/** An annotation as the EKS VPC resource controller writes it for an IPv4-only branch. */
const eksAnnotation =
  '[{"eniId":"eni-0a1b2c3d4e5f67890","ifAddress":"02:6d:a1:b2:c3:d4","privateIp":"10.0.5.21",' +
  '"ipv6Addr":"","vlanId":1,"subnetCidr":"10.0.0.0/20","subnetV6Cidr":"",' +
  '"associationID":"trunk-assoc-0a1b2c3d4e5f67890"}]';

describe('parsePodEniAnnotation', () => {
  it('reads element 0 of an EKS annotation', () => {
    expect(parsePodEniAnnotation(eksAnnotation)).toEqual({
      ok: true,
      branch: {
        eniId: 'eni-0a1b2c3d4e5f67890',
        ifAddress: '02:6d:a1:b2:c3:d4',
        privateIp: '10.0.5.21',
        vlanId: 1,
        subnetCidr: '10.0.0.0/20',
        associationID: 'trunk-assoc-0a1b2c3d4e5f67890',
      },
    });
  });

  it('takes element 0 when there are several', () => {
    const two = JSON.stringify([
      {
        ifAddress: '02:00:00:00:00:01',
        privateIp: '10.0.0.1',
        vlanId: 1,
        subnetCidr: '10.0.0.0/24',
      },
      {
        ifAddress: '02:00:00:00:00:02',
        privateIp: '10.0.0.2',
        vlanId: 2,
        subnetCidr: '10.0.0.0/24',
      },
    ]);
    const parsed = parsePodEniAnnotation(two);
    expect(parsed.ok && parsed.branch.vlanId).toBe(1);
  });

  it('reads vlanID spelled as Go writes it', () => {
    const parsed = parsePodEniAnnotation(eksAnnotation.replace('"vlanId"', '"vlanID"'));
    expect(parsed.ok && parsed.branch.vlanId).toBe(1);
  });

  it.each([
    ['not JSON', '[{', 'not JSON'],
    ['an object, not an array', eksAnnotation.slice(1, -1), 'not a JSON array'],
    ['an empty array', '[]', 'empty'],
    ['a bad MAC', eksAnnotation.replace('02:6d', '02:6g'), '[0].ifAddress'],
  ])('refuses %s', (_what, value, problem) => {
    const parsed = parsePodEniAnnotation(value);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toContain(problem);
  });
});
