import {
  PolicyIndex,
  decodeJsonPatch,
  parseSecurityGroupPolicy,
  reviewPodMutation,
} from '@podsg/policy';
import type { AdmissionReview } from '@podsg/policy';

// Any parsed YAML or JSON: an EKS SecurityGroupPolicy manifest works as is.
const manifest: unknown = {
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { namespace: 'shop', name: 'web' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
  },
};

const policies = new PolicyIndex();
policies.upsert(parseSecurityGroupPolicy(manifest)); // throws PolicyValidationError naming every bad field
console.log(JSON.stringify(policies.resolve({ namespace: 'shop', labels: { app: 'web' } }, null)));

// The mutating webhook's decision for a new pod: add the pod-eni resource request.
const review: AdmissionReview = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    object: {
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    },
  },
};
const answer = await reviewPodMutation(review, {
  policies,
  serviceAccountLabels: () => Promise.resolve({}), // look the pod's ServiceAccount up here
});
console.log(
  answer.response?.allowed,
  JSON.stringify(decodeJsonPatch(answer.response?.patch ?? '')),
);
