import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { AdmissionReview, AdmissionRequest } from '../models/AdmissionReview.js';
import { reviewPodAnnotations } from './reviewPodAnnotations.js';

const CONTROLLER = 'system:serviceaccount:kube-system:podsg-controller';
const options = { controllerUsernames: [CONTROLLER] };
const branch = '[{"eniId":"eni-0123456789abcdef0","vlanId":1}]';

function pod(annotation?: string): unknown {
  return {
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      annotations: {
        owner: 'team-a',
        ...(annotation !== undefined && { 'vpc.amazonaws.com/pod-eni': annotation }),
      },
    },
    spec: { containers: [{ name: 'web' }] },
  };
}

function review(request: Partial<AdmissionRequest>): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'UPDATE',
      userInfo: { username: 'alice' },
      ...request,
    },
  };
}

const allowed = (answer: AdmissionReview): boolean | undefined => answer.response?.allowed;

describe('reviewPodAnnotations', () => {
  it('denies creating a pod that carries the annotation, whoever asks', () => {
    for (const username of ['alice', CONTROLLER]) {
      const answer = reviewPodAnnotations(
        review({ operation: 'CREATE', object: pod(branch), userInfo: { username } }),
        options,
      );
      expect(answer.response).toMatchObject({ uid: 'u-1', allowed: false, status: { code: 403 } });
      expect(answer.response?.status?.message).toMatch(/shop\/web-1.*vpc\.amazonaws\.com\/pod-eni/);
    }
    expect(
      allowed(reviewPodAnnotations(review({ operation: 'CREATE', object: pod() }), options)),
    ).toBe(true);
  });

  it.each([
    ['adds', undefined, branch],
    ['changes', branch, '[{"eniId":"eni-0fedcba9876543210","vlanId":2}]'],
    ['removes', branch, undefined],
  ])('denies a user who %s the annotation, allows the controller', (change, before, after) => {
    const request = { oldObject: pod(before), object: pod(after) };
    const denied = reviewPodAnnotations(review(request), options);
    expect(denied.response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(denied.response?.status?.message).toContain(
      `user alice may not ${change.slice(0, -1)} annotation`,
    );
    expect(
      allowed(
        reviewPodAnnotations(review({ ...request, userInfo: { username: CONTROLLER } }), options),
      ),
    ).toBe(true);
    expect(allowed(reviewPodAnnotations(review({ ...request, userInfo: {} }), options))).toBe(
      false,
    );
  });

  it('allows updates that leave the annotation as it was, deletes and other kinds', () => {
    expect(
      allowed(
        reviewPodAnnotations(review({ oldObject: pod(branch), object: pod(branch) }), options),
      ),
    ).toBe(true);
    expect(
      allowed(reviewPodAnnotations(review({ oldObject: pod(), object: pod() }), options)),
    ).toBe(true);
    expect(
      allowed(
        reviewPodAnnotations(review({ operation: 'DELETE', oldObject: pod(branch) }), options),
      ),
    ).toBe(true);
    const configMap = review({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      oldObject: pod(),
      object: pod(branch),
    });
    expect(allowed(reviewPodAnnotations(configMap, options))).toBe(true);
  });

  it('answers with the request uid and the review apiVersion and kind', () => {
    const answer = reviewPodAnnotations(
      review({ uid: 'abc', oldObject: pod(), object: pod() }),
      options,
    );
    expect(answer).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true },
    });
  });

  it('throws on a review without request', () => {
    expect(() =>
      reviewPodAnnotations({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, options),
    ).toThrow(PolicyValidationError);
  });

  it('denies a change when the review names no user, instead of failing', () => {
    const { userInfo: _userInfo, ...request } = review({
      oldObject: pod(),
      object: pod(branch),
    }).request as AdmissionRequest;
    const answer = reviewPodAnnotations(
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: request as AdmissionRequest,
      },
      options,
    );
    expect(answer.response).toMatchObject({
      uid: 'u-1',
      allowed: false,
      status: { code: 403, message: expect.stringMatching(/<unknown> may not add/) },
    });
  });

  it('allows an UPDATE when neither the old nor the new pod has the annotation, and DELETE always', () => {
    expect(
      allowed(reviewPodAnnotations(review({ oldObject: pod(), object: pod() }), options)),
    ).toBe(true);
    expect(
      allowed(
        reviewPodAnnotations(review({ operation: 'DELETE', oldObject: pod(branch) }), options),
      ),
    ).toBe(true);
  });

  it('answers any JSON request without throwing, or rejects it as an InvalidAdmissionReview', () => {
    const json = fc.jsonValue({ maxDepth: 5 });
    const podJson = fc.oneof(
      json,
      fc.record({ metadata: fc.oneof(json, fc.record({ annotations: json })) }),
    );
    const request = fc.record(
      {
        uid: fc.oneof(fc.constant('u-1'), json),
        kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), json),
        operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), json),
        userInfo: json,
        object: podJson,
        oldObject: podJson,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(json, fc.record({ request })), (input) => {
        let answer: AdmissionReview;
        try {
          answer = reviewPodAnnotations(input as unknown as AdmissionReview, options);
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
