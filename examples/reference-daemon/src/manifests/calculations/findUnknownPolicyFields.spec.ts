import { describe, expect, it } from 'vitest';
import { findUnknownPolicyFields } from './findUnknownPolicyFields.js';

const policy = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name: 'web', namespace: 'shop', labels: { any: 'thing' }, uid: 'x' },
  status: {},
  spec,
  ...extra,
});

describe('findUnknownPolicyFields', () => {
  it('accepts every field of the CRD schema, metadata of any shape and status', () => {
    expect(
      findUnknownPolicyFields(
        policy({
          podSelector: {
            matchLabels: { app: 'web' },
            matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }],
          },
          serviceAccountSelector: { matchLabels: { role: 'x' } },
          securityGroups: { groupIds: ['sg-01234567'] },
        }),
      ),
    ).toEqual([]);
  });

  it('names each unknown field with its path and the field probably meant', () => {
    expect(
      findUnknownPolicyFields(
        policy(
          {
            podSelectr: { matchLabels: { app: 'web' } },
            serviceAccountSelector: {
              matchLabel: { role: 'x' },
              matchExpressions: [{ key: 'a', operator: 'Exists', value: ['b'] }],
            },
            securityGroups: { groupIds: ['sg-01234567'], vpc: 'vpc-1' },
          },
          { specs: {} },
        ),
      ),
    ).toEqual([
      { path: 'specs', message: 'unknown field (did you mean spec?)' },
      { path: 'spec.podSelectr', message: 'unknown field (did you mean podSelector?)' },
      {
        path: 'spec.serviceAccountSelector.matchLabel',
        message: 'unknown field (did you mean matchLabels?)',
      },
      {
        path: 'spec.serviceAccountSelector.matchExpressions[0].value',
        message: 'unknown field (did you mean values?)',
      },
      { path: 'spec.securityGroups.vpc', message: 'unknown field' },
    ]);
  });

  it('leaves shapes it cannot walk to the validator', () => {
    expect(findUnknownPolicyFields(null)).toEqual([]);
    expect(findUnknownPolicyFields([1])).toEqual([]);
    expect(findUnknownPolicyFields(policy({ podSelector: 'x', securityGroups: [1] }))).toEqual([]);
  });
});
