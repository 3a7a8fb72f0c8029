import {
  AllocatorError,
  HAS_TRUNK_ATTACHED_LABEL,
  POD_ENI_ANNOTATION,
  POD_ENI_RESOURCE,
  RELEASED_BRANCHES_ANNOTATION,
} from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { ValueInterner } from '../internal/ValueInterner.js';
import {
  cniNodeOptsIn,
  extractClusterNode,
  extractClusterPod,
  instanceIdOf,
  trimPolicy,
  withCniNodeOptIn,
} from './extractClusterObjects.js';

const keepPodsg = (key: string): boolean => key.startsWith('vpc.amazonaws.com/');

function pod(overrides: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      uid: 'uid-1',
      resourceVersion: '42',
      labels: { app: 'web' },
      annotations: {
        [POD_ENI_ANNOTATION]: '[]',
        'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(4000),
      },
      managedFields: [{ manager: 'kubectl' }],
      ...overrides,
    },
    spec: {
      containers: [
        { name: 'app', image: 'nginx', resources: { limits: { [POD_ENI_RESOURCE]: '1' } } },
      ],
      ...spec,
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('extractClusterPod', () => {
  it('keeps the facts podsg reads and only the annotations it is told to', () => {
    expect(
      extractClusterPod(pod({}, { nodeName: 'node-a' }), new ValueInterner(), keepPodsg),
    ).toEqual({
      namespace: 'shop',
      name: 'web-1',
      uid: 'uid-1',
      labels: { app: 'web' },
      annotations: { [POD_ENI_ANNOTATION]: '[]' },
      serviceAccountName: 'default',
      nodeName: 'node-a',
      phase: 'Running',
      requestsPodEni: true,
      hostNetwork: false,
      terminating: false,
      resourceVersion: '42',
    });
  });

  it('reads requests before limits, terminating from deletionTimestamp, unknown phases as Unknown', () => {
    const raw = pod(
      { deletionTimestamp: '2026-12-01T00:00:00Z' },
      {
        containers: [
          {
            name: 'a',
            resources: {
              requests: { [POD_ENI_RESOURCE]: '0' },
              limits: { [POD_ENI_RESOURCE]: '1' },
            },
          },
        ],
        hostNetwork: true,
        serviceAccountName: 'api',
      },
    );
    (raw as { status: { phase: string } }).status.phase = 'Exploded';
    const facts = extractClusterPod(raw, new ValueInterner(), keepPodsg);
    expect(facts).toMatchObject({
      requestsPodEni: false,
      terminating: true,
      hostNetwork: true,
      serviceAccountName: 'api',
      phase: 'Unknown',
      nodeName: null,
    });
  });

  it('shares equal label maps and strings between pods, not annotations', () => {
    const interner = new ValueInterner();
    const a = extractClusterPod(pod(), interner, keepPodsg);
    const b = extractClusterPod(pod({ name: 'web-2', uid: 'uid-2' }), interner, keepPodsg);
    expect(a.labels).toBe(b.labels);
    expect(a.annotations).toEqual(b.annotations);
    expect(a.annotations).not.toBe(b.annotations);
    const bare = pod({ name: 'web-3', uid: 'uid-3', annotations: undefined, labels: undefined });
    const c = extractClusterPod(bare, interner, keepPodsg);
    expect(c.labels).toBe(c.annotations); // the one shared empty map
  });

  it('refuses a pod without uid or spec, naming the field', () => {
    const noUid = pod({ uid: undefined });
    expect(() => extractClusterPod(noUid, new ValueInterner(), keepPodsg)).toThrow(
      new AllocatorError('Invalid', 'pods: shop/web-1 has no valid metadata.uid', {
        code: 'InvalidObject',
      }),
    );
    const noSpec = { metadata: { name: 'x', namespace: 'y', uid: 'u', resourceVersion: '1' } };
    expect(() => extractClusterPod(noSpec, new ValueInterner(), keepPodsg)).toThrow(
      /y\/x has no valid spec/,
    );
    expect(() => extractClusterPod('garbage', new ValueInterner(), keepPodsg)).toThrow(
      /an object has no valid metadata.name/,
    );
  });
});

describe('nodes and CNINodes', () => {
  const node = {
    metadata: {
      name: 'node-a',
      uid: 'n-1',
      resourceVersion: '7',
      labels: { 'node.kubernetes.io/instance-type': 'c5.large' },
    },
    spec: { providerID: 'aws:///us-east-1a/i-0123456789abcdef0' },
  };

  it('reads the instance id from providerID and the type from the label', () => {
    expect(extractClusterNode(node, new ValueInterner())).toEqual({
      name: 'node-a',
      uid: 'n-1',
      labels: { 'node.kubernetes.io/instance-type': 'c5.large' },
      instanceId: 'i-0123456789abcdef0',
      instanceType: 'c5.large',
    });
    expect(instanceIdOf('gce://project/zone/vm')).toBeNull();
    expect(instanceIdOf('aws:///zone/not-an-instance')).toBeNull();
  });

  it("reads the node agent's confirmed releases, leaving bad entries out with a warning", () => {
    const released = [
      {
        eniId: 'eni-0123456789abcdef0',
        vlanId: 7,
        podUid: 'uid-1',
        releasedAt: '2026-12-01T02:00:00Z',
      },
      { eniId: 'not-an-eni', vlanId: 8, podUid: 'uid-2', releasedAt: '2026-12-01T02:00:01Z' },
    ];
    const annotated = {
      ...node,
      metadata: {
        ...node.metadata,
        annotations: { [RELEASED_BRANCHES_ANNOTATION]: JSON.stringify(released) },
      },
    };
    const facts = extractClusterNode(annotated, new ValueInterner());
    expect(facts.releasedBranches).toEqual([released[0]]);
    expect(facts.releasedBranchesWarnings).toEqual([expect.stringMatching(/\[1\].*eniId/)]);
    expect(extractClusterNode(node, new ValueInterner())).not.toHaveProperty('releasedBranches');
  });

  it('adds the legacy opt-in label when the CNINode lists SecurityGroupsForPods', () => {
    const facts = extractClusterNode(node, new ValueInterner());
    expect(withCniNodeOptIn(facts, true).labels[HAS_TRUNK_ATTACHED_LABEL]).toBe('true');
    expect(withCniNodeOptIn(facts, false)).toBe(facts);
    expect(cniNodeOptsIn({ spec: { features: [{ name: 'SecurityGroupsForPods' }] } })).toBe(true);
    expect(cniNodeOptsIn({ spec: { features: [{ name: 'CustomNetworking', value: 'x' }] } })).toBe(
      false,
    );
    expect(cniNodeOptsIn({ spec: {} })).toBe(false);
    expect(() => cniNodeOptsIn({ metadata: { name: 'n' }, spec: { features: 'all' } })).toThrow(
      /cninodes: n has no valid spec.features/,
    );
  });

  it('drops managedFields from policies', () => {
    const policy = { metadata: { name: 'p', managedFields: [{}] }, spec: { podSelector: {} } };
    expect(trimPolicy(policy)).toEqual({ metadata: { name: 'p' }, spec: { podSelector: {} } });
  });
});
