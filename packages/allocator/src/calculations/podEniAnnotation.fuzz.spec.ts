import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import { decodePodEniAnnotation, parsePodEniAnnotation } from './podEniAnnotation.js';

// The pod-eni annotation codec has two readers: the controller's (`decodePodEniAnnotation`, at
// recovery) and the node agent's (`parsePodEniAnnotation`, element 0 for the CNI plugin). Both
// face whatever anyone wrote on the pod.
const element = {
  eniId: 'eni-0a1b2c3d4e5f67890',
  ifAddress: '02:1a:2b:3c:4d:5e',
  privateIp: '10.0.4.17',
  ipv6Addr: '',
  vlanId: 3,
  subnetCidr: '10.0.0.0/20',
  subnetV6Cidr: '',
  associationID: 'trunk-assoc-0a1b2c3d4e5f67890',
};

const annotation = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .tuple(fc.constantFrom(...Object.keys(element), 'vlanID'), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => JSON.stringify([{ ...element, [key]: value }])),
);

describe('pod-eni annotation readers under arbitrary annotations', () => {
  it('decodePodEniAnnotation: AllocatorError Invalid naming the field, or attachments', () => {
    fc.assert(
      fc.property(annotation, (value) => {
        const started = performance.now();
        try {
          const attachments = decodePodEniAnnotation(value);
          expect(attachments.length).toBeGreaterThan(0);
          for (const attachment of attachments) {
            expect(attachment.vlanId).toBeGreaterThanOrEqual(1);
            expect(attachment.vlanId).toBeLessThanOrEqual(4094);
          }
        } catch (error) {
          expect(AllocatorError.is(error, 'Invalid')).toBe(true);
        }
        expect(performance.now() - started).toBeLessThan(1_000);
      }),
      { numRuns: 1_000 },
    );
  });

  it('parsePodEniAnnotation: a problem in words, or the branch, never a throw', () => {
    fc.assert(
      fc.property(annotation, (value) => {
        const parsed = parsePodEniAnnotation(value);
        if (parsed.ok) expect(Number.isInteger(parsed.branch.vlanId)).toBe(true);
        else expect(parsed.problem).not.toBe('');
      }),
      { numRuns: 1_000 },
    );
  });
});
