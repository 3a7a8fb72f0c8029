import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { AdmissionRequest, AdmissionReview } from '../models/AdmissionReview.js';
import { reviewSecurityGroupPolicy } from './reviewSecurityGroupPolicy.js';

const valid = {
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
  },
};
const invalid = {
  ...valid,
  spec: {
    podSelector: { matchExpressions: [{ key: 'app', operator: 'Like', values: ['web'] }] },
    securityGroups: { groupIds: ['sg-01234567', 'sg-XYZ'] },
  },
};

function review(request: Partial<AdmissionRequest>): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-7',
      kind: { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy' },
      resource: {
        group: 'vpcresources.k8s.aws',
        version: 'v1beta1',
        resource: 'securitygrouppolicies',
      },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      ...request,
    },
  };
}

describe('reviewSecurityGroupPolicy', () => {
  it('allows valid policies on CREATE and UPDATE', () => {
    expect(reviewSecurityGroupPolicy(review({ object: valid })).response).toEqual({
      uid: 'u-7',
      allowed: true,
    });
    expect(
      reviewSecurityGroupPolicy(review({ operation: 'UPDATE', object: valid, oldObject: invalid }))
        .response?.allowed,
    ).toBe(true);
  });

  it('denies an invalid policy with every issue in the message', () => {
    for (const operation of ['CREATE', 'UPDATE'] as const) {
      const { response } = reviewSecurityGroupPolicy(review({ operation, object: invalid }));
      expect(response).toMatchObject({
        uid: 'u-7',
        allowed: false,
        status: { code: 422, reason: 'Invalid' },
      });
      expect(response?.status?.message).toBe(
        'SecurityGroupPolicy shop/web is invalid: ' +
          'spec.podSelector.matchExpressions[0].operator: unknown operator "Like": must be one of In, NotIn, Exists, DoesNotExist; ' +
          'spec.securityGroups.groupIds[1]: "sg-XYZ" is not a security group id: must be "sg-" followed by 8 or 17 lowercase hex digits',
      );
    }
  });

  it('takes the namespace from the request when the object has none', () => {
    const { namespace: _namespace, ...metadata } = valid.metadata;
    expect(
      reviewSecurityGroupPolicy(review({ object: { ...valid, metadata } })).response?.allowed,
    ).toBe(true);
    const { namespace: _requestNamespace, ...request } = review({
      object: { ...valid, metadata },
    }).request!;
    const answer = reviewSecurityGroupPolicy({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request,
    });
    expect(answer.response?.status?.message).toMatch(/metadata.namespace: is required/);
  });

  it('refuses a non-object policy rather than crashing', () => {
    expect(reviewSecurityGroupPolicy(review({ object: 'not a policy' })).response).toMatchObject({
      allowed: false,
      status: { message: expect.stringMatching(/<root>: must be an object/) },
    });
  });

  it('allows DELETE and other kinds', () => {
    expect(
      reviewSecurityGroupPolicy(review({ operation: 'DELETE', oldObject: invalid })).response
        ?.allowed,
    ).toBe(true);
    const other = review({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      object: invalid,
    });
    expect(reviewSecurityGroupPolicy(other).response?.allowed).toBe(true);
  });

  it('throws on a review without uid', () => {
    expect(() =>
      reviewSecurityGroupPolicy(review({ uid: undefined as unknown as string })),
    ).toThrow(PolicyValidationError);
  });

  it('answers any JSON request without throwing, or rejects it as an InvalidAdmissionReview', () => {
    const json = fc.jsonValue({ maxDepth: 5 });
    const request = fc.record(
      {
        uid: fc.oneof(fc.constant('u-7'), json),
        kind: fc.oneof(
          fc.constant({
            group: 'vpcresources.k8s.aws',
            version: 'v1beta1',
            kind: 'SecurityGroupPolicy',
          }),
          json,
        ),
        operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE'), json),
        namespace: json,
        object: fc.oneof(json, fc.record({ metadata: json, spec: json }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(json, fc.record({ request })), (input) => {
        let answer: AdmissionReview;
        try {
          answer = reviewSecurityGroupPolicy(input as unknown as AdmissionReview);
        } catch (error) {
          expect(PolicyValidationError.is(error, 'InvalidAdmissionReview')).toBe(true);
          return;
        }
        expect(answer.response?.uid).toBe(
          ((input as unknown as AdmissionReview).request as AdmissionRequest).uid,
        );
        expect(typeof answer.response?.allowed).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
