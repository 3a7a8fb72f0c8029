import { describe, expect, it } from 'vitest';
import { parsePodEniAnnotation } from './parsePodEniAnnotation.js';

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

  it.each([
    ['not JSON', '[{', 'not JSON'],
    ['an object, not an array', eksAnnotation.slice(1, -1), 'not a JSON array'],
    ['an empty array', '[]', 'empty'],
    ['vlanID spelled as Go would', eksAnnotation.replace('"vlanId"', '"vlanID"'), '[0].vlanId'],
    ['a bad MAC', eksAnnotation.replace('02:6d', '02:6g'), '[0].ifAddress'],
  ])('refuses %s', (_what, value, problem) => {
    const parsed = parsePodEniAnnotation(value);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toContain(problem);
  });
});
