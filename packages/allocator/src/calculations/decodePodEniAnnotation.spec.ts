import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import type { PodEniAttachment } from '../models/PodEniAttachment.js';
import { decodePodEniAnnotation } from './decodePodEniAnnotation.js';
import { encodePodEniAnnotation } from './encodePodEniAnnotation.js';

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
    expect(invalidMessage('{')).toMatch(/not valid JSON/);
    expect(invalidMessage('{}')).toMatch(/<root> must be a JSON array/);
    expect(invalidMessage('[]')).toMatch(/must not be empty/);
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

  it('is case-sensitive about keys (vlanID is not vlanId)', () => {
    const { vlanId: _vlan, ...rest } = attachment;
    expect(invalidMessage(JSON.stringify([{ ...rest, vlanID: 3 }]))).toMatch(/\[0\]\.vlanId/);
  });
});
