import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { AdmissionRequest, AdmissionReview } from '../models/AdmissionReview.js';
import type { SecurityGroupPolicy } from '../models/SecurityGroupPolicy.js';
import { PolicyIndex } from '../services/PolicyIndex.js';
import { decodeJsonPatch } from './admissionReviewResponses.js';
import { applyJsonPatch } from './applyJsonPatch.js';
import { reviewPodMutation, type PodMutationContext } from './reviewPodMutation.js';

const SG_WEB = 'sg-0123456789abcdef0';
const SG_PAY = 'sg-0fedcba9876543210';

function policy(
  name: string,
  spec: Partial<SecurityGroupPolicy['spec']>,
  groupIds: string[],
): SecurityGroupPolicy {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name, namespace: 'shop' },
    spec: { ...spec, securityGroups: { groupIds } },
  };
}

function podReview(
  pod: unknown,
  overrides: Partial<NonNullable<AdmissionReview['request']>> = {},
): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      ...overrides,
    },
  };
}

interface Pod {
  metadata: {
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
}

function webPod(
  extra: Partial<Pod['spec']> = {},
  labels: Record<string, string> = { app: 'web' },
): Pod {
  return {
    metadata: { generateName: 'web-7d9f-', labels },
    spec: {
      containers: [
        { name: 'web', image: 'nginx' },
        { name: 'sidecar', image: 'envoy' },
      ],
      ...extra,
    },
  };
}

function context(
  lookups: string[] = [],
  accounts: Record<string, Record<string, string>> = {},
): PodMutationContext {
  const policies = new PolicyIndex();
  policies.upsert(policy('web', { podSelector: { matchLabels: { app: 'web' } } }, [SG_WEB]));
  return {
    policies,
    serviceAccountLabels(namespace, name) {
      lookups.push(`${namespace}/${name}`);
      return Promise.resolve(accounts[name] ?? null);
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- patched pods are inspected as raw JSON
type RawJson = any;

/** Carries out the response's patch on the pod, as the API server would. */
function patched(pod: unknown, answer: AdmissionReview): RawJson {
  const patch = answer.response?.patch;
  return patch === undefined ? pod : applyJsonPatch(pod, decodeJsonPatch(patch));
}

describe('reviewPodMutation', () => {
  it('adds the pod-eni resource to containers[0] requests and limits of a matching pod', async () => {
    const pod = webPod();
    const answer = await reviewPodMutation(podReview(pod), context());
    expect(answer).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        allowed: true,
        patchType: 'JSONPatch',
      },
    });
    const result = patched(pod, answer);
    expect(result.spec.containers[0]).toEqual({
      name: 'web',
      image: 'nginx',
      resources: {
        requests: { 'vpc.amazonaws.com/pod-eni': '1' },
        limits: { 'vpc.amazonaws.com/pod-eni': '1' },
      },
    });
    expect(result.spec.containers[1]).toEqual({ name: 'sidecar', image: 'envoy' });
  });

  it('keeps the resources already there', async () => {
    const pod = webPod();
    pod.spec.containers[0] = { name: 'web', resources: { requests: { cpu: '250m' } } };
    let result = patched(pod, await reviewPodMutation(podReview(pod), context()));
    expect(result.spec.containers[0].resources).toEqual({
      requests: { cpu: '250m', 'vpc.amazonaws.com/pod-eni': '1' },
      limits: { 'vpc.amazonaws.com/pod-eni': '1' },
    });
    pod.spec.containers[0] = {
      name: 'web',
      resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } },
    };
    result = patched(pod, await reviewPodMutation(podReview(pod), context()));
    expect(result.spec.containers[0].resources).toEqual({
      requests: { cpu: '1', 'vpc.amazonaws.com/pod-eni': '1' },
      limits: { memory: '1Gi', 'vpc.amazonaws.com/pod-eni': '1' },
    });
  });

  it('allows pods that match no policy without a patch', async () => {
    const answer = await reviewPodMutation(podReview(webPod({}, { app: 'api' })), context());
    expect(answer.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it.each([
    ['hostNetwork', { hostNetwork: true }],
    ['Windows', { nodeSelector: { 'kubernetes.io/os': 'windows' } }],
    ['legacy Windows', { nodeSelector: { 'beta.kubernetes.io/os': 'windows' } }],
  ])('leaves %s pods alone', async (_case, spec) => {
    const answer = await reviewPodMutation(podReview(webPod(spec)), context());
    expect(answer.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('denies a pod whose policies together select more groups than an interface takes', async () => {
    const ctx = context();
    const groups = (first: number) =>
      Array.from({ length: 9 }, (_, i) => `sg-${(first + i).toString(16).padStart(8, '0')}`);
    ctx.policies.upsert(
      policy('a', { podSelector: { matchLabels: { app: 'web' } } }, groups(0x10)),
    );
    ctx.policies.upsert(
      policy('b', { podSelector: { matchLabels: { app: 'web' } } }, groups(0x20)),
    );
    const answer = await reviewPodMutation(podReview(webPod()), ctx);
    expect(answer.response?.allowed).toBe(false);
    expect(answer.response?.patch).toBeUndefined();
    expect(answer.response?.status?.code).toBe(403);
    expect(answer.response?.status?.message).toBe(
      'pod shop/web-7d9f-*: its SecurityGroupPolicies (a, b, web) select 19 security groups; an EC2 network interface takes at most 16',
    );
  });

  it('still patches a pod with a Linux node selector', async () => {
    const answer = await reviewPodMutation(
      podReview(webPod({ nodeSelector: { 'kubernetes.io/os': 'linux' } })),
      context(),
    );
    expect(answer.response?.patch).toBeDefined();
  });

  it('annotates Fargate pods with the comma-joined groups instead of the resource', async () => {
    const ctx = context();
    ctx.policies.upsert(policy('all', { podSelector: {} }, [SG_PAY]));
    const pod = webPod({}, { app: 'web', 'eks.amazonaws.com/fargate-profile': 'fp-default' });
    let result = patched(pod, await reviewPodMutation(podReview(pod), ctx));
    expect(result.metadata.annotations).toEqual({
      'fargate.amazonaws.com/pod-sg': `${SG_WEB},${SG_PAY}`,
    });
    expect(result.spec).toEqual(pod.spec);
    pod.metadata.annotations = { owner: 'team-a' };
    result = patched(pod, await reviewPodMutation(podReview(pod), ctx));
    expect(result.metadata.annotations).toEqual({
      owner: 'team-a',
      'fargate.amazonaws.com/pod-sg': `${SG_WEB},${SG_PAY}`,
    });
  });

  it('removes a pod-sg annotation a Fargate pod that matches no policy was created with', async () => {
    const pod = webPod({}, { app: 'api', 'eks.amazonaws.com/fargate-profile': 'fp-default' });
    pod.metadata.annotations = { owner: 'team-a', 'fargate.amazonaws.com/pod-sg': 'sg-01234567' };
    const answer = await reviewPodMutation(podReview(pod), context());
    expect(decodeJsonPatch(answer.response?.patch ?? '')).toEqual([
      { op: 'remove', path: '/metadata/annotations/fargate.amazonaws.com~1pod-sg' },
    ]);
    expect(patched(pod, answer).metadata.annotations).toEqual({ owner: 'team-a' });
    delete pod.metadata.annotations['fargate.amazonaws.com/pod-sg'];
    expect((await reviewPodMutation(podReview(pod), context())).response?.patch).toBeUndefined();
  });

  it('overwrites a pod-sg annotation a matching Fargate pod was created with', async () => {
    const pod = webPod({}, { app: 'web', 'eks.amazonaws.com/fargate-profile': 'fp-default' });
    pod.metadata.annotations = { 'fargate.amazonaws.com/pod-sg': 'sg-01234567' };
    const result = patched(pod, await reviewPodMutation(podReview(pod), context()));
    expect(result.metadata.annotations).toEqual({ 'fargate.amazonaws.com/pod-sg': SG_WEB });
  });

  it('treats a Fargate pod as Fargate even with a Windows node selector, as EKS does', async () => {
    const pod = webPod(
      { nodeSelector: { 'kubernetes.io/os': 'windows' } },
      { app: 'web', 'eks.amazonaws.com/fargate-profile': 'fp-default' },
    );
    const result = patched(pod, await reviewPodMutation(podReview(pod), context()));
    expect(result.metadata.annotations).toEqual({ 'fargate.amazonaws.com/pod-sg': SG_WEB });
  });

  it('writes RFC 6902 operations with RFC 6901 escaping, and leaves initContainers alone', async () => {
    const pod = webPod({ initContainers: [{ name: 'init', image: 'busybox' }] });
    pod.spec.containers[0] = {
      name: 'web',
      resources: { limits: { 'vpc.amazonaws.com/pod-eni': '2', cpu: '1' } },
    };
    const answer = await reviewPodMutation(podReview(pod), context());
    expect(answer.response?.patchType).toBe('JSONPatch');
    expect(decodeJsonPatch(answer.response?.patch ?? '')).toEqual([
      {
        op: 'add',
        path: '/spec/containers/0/resources/requests',
        value: { 'vpc.amazonaws.com/pod-eni': '1' },
      },
      {
        op: 'add',
        path: '/spec/containers/0/resources/limits/vpc.amazonaws.com~1pod-eni',
        value: '1',
      },
    ]);
    const result = patched(pod, answer);
    // An RFC 6902 add on an existing member replaces it.
    expect(result.spec.containers[0].resources).toEqual({
      requests: { 'vpc.amazonaws.com/pod-eni': '1' },
      limits: { 'vpc.amazonaws.com/pod-eni': '1', cpu: '1' },
    });
    expect(result.spec.initContainers).toEqual([{ name: 'init', image: 'busybox' }]);
  });

  it('answers as admission.k8s.io/v1 AdmissionReview when the review names no version', async () => {
    const { request } = podReview(webPod());
    const answer = await reviewPodMutation({ request } as AdmissionReview, context());
    expect(answer).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request?.uid, allowed: true, patchType: 'JSONPatch' },
    });
  });

  it('answers any JSON request without throwing, or rejects it as an InvalidAdmissionReview', async () => {
    const ctx = context();
    const json = fc.jsonValue({ maxDepth: 5 });
    const request = fc.record(
      {
        uid: fc.oneof(fc.constant('u-1'), json),
        kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), json),
        operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE'), json),
        namespace: fc.oneof(fc.constant('shop'), json),
        userInfo: json,
        object: fc.oneof(
          json,
          fc.record({ metadata: json, spec: json }),
          fc.record({
            metadata: fc.record({
              labels: fc.oneof(fc.constant({ app: 'web' }), json),
              annotations: json,
            }),
            spec: fc.record({
              containers: fc.oneof(json, fc.array(json, { maxLength: 2 })),
              nodeSelector: json,
            }),
          }),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(json, fc.record({ apiVersion: json, kind: json, request })),
        async (review) => {
          let answer: AdmissionReview;
          try {
            answer = await reviewPodMutation(review as unknown as AdmissionReview, ctx);
          } catch (error) {
            expect(PolicyValidationError.is(error, 'InvalidAdmissionReview')).toBe(true);
            return;
          }
          expect(answer.response?.uid).toBe(
            ((review as unknown as AdmissionReview).request as AdmissionRequest).uid,
          );
          expect(typeof answer.response?.allowed).toBe('boolean');
          if (answer.response?.allowed !== true) expect(answer.response?.patch).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('takes the namespace from the pod, else from the request', async () => {
    const pod = webPod();
    expect(
      (await reviewPodMutation(podReview(pod, { namespace: 'blog' }), context())).response?.patch,
    ).toBeUndefined();
    pod.metadata.namespace = 'shop';
    expect(
      (await reviewPodMutation(podReview(pod, { namespace: 'blog' }), context())).response?.patch,
    ).toBeDefined();
  });

  describe('service accounts', () => {
    const accountPolicy = policy(
      'pay',
      { serviceAccountSelector: { matchLabels: { role: 'payments' } } },
      [SG_PAY],
    );

    it('does not look the service account up when no policy of the namespace needs it', async () => {
      const lookups: string[] = [];
      await reviewPodMutation(podReview(webPod()), context(lookups));
      expect(lookups).toEqual([]);
    });

    it('looks up the pod service account, "default" when unset, and matches on its labels', async () => {
      const lookups: string[] = [];
      const ctx = context(lookups, { checkout: { role: 'payments' } });
      ctx.policies.upsert(accountPolicy);
      const pod = webPod({ serviceAccountName: 'checkout' }, { app: 'api' });
      const result = patched(pod, await reviewPodMutation(podReview(pod), ctx));
      expect(result.spec.containers[0].resources.limits).toEqual({
        'vpc.amazonaws.com/pod-eni': '1',
      });
      const unset = webPod({}, { app: 'api' });
      expect((await reviewPodMutation(podReview(unset), ctx)).response?.patch).toBeUndefined();
      expect(lookups).toEqual(['shop/checkout', 'shop/default']);
    });

    it('denies the pod when the lookup fails, naming the namespace, account and cause', async () => {
      const ctx = context();
      ctx.policies.upsert(accountPolicy);
      ctx.serviceAccountLabels = () => Promise.reject(new Error('connection refused'));
      const answer = await reviewPodMutation(
        podReview(webPod({ serviceAccountName: 'checkout' })),
        ctx,
      );
      expect(answer.response).toMatchObject({
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        allowed: false,
        status: { code: 500 },
      });
      expect(answer.response?.status?.message).toMatch(
        /service account shop\/checkout.*connection refused/,
      );
      expect(answer.response?.patch).toBeUndefined();
    });
  });

  it('allows other operations, kinds and subresources unchanged', async () => {
    const ctx = context();
    for (const overrides of [
      { operation: 'UPDATE' as const },
      { operation: 'DELETE' as const },
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
      { subResource: 'binding' },
    ]) {
      const answer = await reviewPodMutation(podReview(webPod(), overrides), ctx);
      expect(answer.response).toEqual({
        uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
        allowed: true,
      });
    }
  });

  it('denies a pod without containers or namespace', async () => {
    const noContainers = await reviewPodMutation(
      podReview({ metadata: { labels: { app: 'web' } }, spec: { containers: [] } }),
      context(),
    );
    expect(noContainers.response).toMatchObject({ allowed: false, status: { code: 400 } });
    const { namespace: _namespace, ...request } = podReview(webPod()).request!;
    const noNamespace = await reviewPodMutation(
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request },
      context(),
    );
    expect(noNamespace.response?.status?.message).toMatch(/no namespace/);
  });

  it('rejects a review without request or uid', async () => {
    const noRequest = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
    await expect(reviewPodMutation(noRequest, context())).rejects.toSatisfy((e) =>
      PolicyValidationError.is(e, 'InvalidAdmissionReview'),
    );
    const noUid = podReview(webPod(), { uid: '' });
    await expect(reviewPodMutation(noUid, context())).rejects.toThrow(/request.uid/);
  });
});
