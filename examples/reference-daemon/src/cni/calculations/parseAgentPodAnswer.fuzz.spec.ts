import { CniError } from '@podsg/cni';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAgentPodAnswer } from './parseAgentPodAnswer.js';

const answer = {
  podUid: 'u-1',
  required: true,
  trunkLink: 'eth1',
  branch: {
    eniId: 'eni-0a1b2c3d4e5f67890',
    vlanId: 3,
    ifAddress: '02:1a:2b:3c:4d:5e',
    privateIp: '10.0.4.17',
    subnetCidr: '10.0.0.0/20',
    ipv6Addr: '',
    subnetV6Cidr: '',
  },
};

describe('parseAgentPodAnswer under arbitrary answers', () => {
  it('gives a CniError InvalidAgentAnswer naming the field, or a valid answer, within a second', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const top = fc
      .tuple(fc.constantFrom('podUid', 'required', 'trunkLink', 'branch'), json)
      .map(([key, value]) => ({ ...answer, [key]: value }));
    const branch = fc
      .tuple(fc.constantFrom(...Object.keys(answer.branch), 'vlanID'), json)
      .map(([key, value]) => ({ ...answer, branch: { ...answer.branch, [key]: value } }));
    fc.assert(
      fc.property(fc.oneof(json, top, branch), (body) => {
        const started = performance.now();
        try {
          const parsed = parseAgentPodAnswer(body, 'agent');
          expect(typeof parsed.podUid).toBe('string');
          if (parsed.required && parsed.branch !== null) {
            expect(Number.isInteger(parsed.branch.vlanId)).toBe(true);
          }
        } catch (error) {
          expect(CniError.is(error, 'InvalidAgentAnswer')).toBe(true);
          expect((error as CniError).details).toBeTruthy();
        }
        expect(performance.now() - started).toBeLessThan(1_000);
      }),
      { numRuns: 1_000 },
    );
  });
});
