import { describe, expect, it } from 'vitest';
import { applyPatch, patchTypeOf } from './patches.js';
import { KubernetesStatusFailure } from './KubernetesStatusFailure.js';

const pod = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a'] },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1', env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'envoy:1' },
    ],
    tolerations: [{ key: 'x' }],
  },
};

describe('applyPatch', () => {
  it('strategic merge: maps merge, null deletes, containers merge by name, other lists replace', () => {
    const patched = applyPatch(
      pod,
      {
        metadata: { labels: { tier: null, team: 'blue' }, finalizers: ['b'] },
        spec: {
          containers: [
            { name: 'app', image: 'nginx:2', env: [{ name: 'B', value: '2' }] },
            { name: 'new', image: 'busybox' },
          ],
          tolerations: [{ key: 'y' }],
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }, { name: 'new' }],
        },
      },
      'strategic',
    );
    expect(patched).toEqual({
      metadata: { name: 'web', labels: { app: 'web', team: 'blue' }, finalizers: ['a', 'b'] },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx:2',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
          },
          { name: 'sidecar', image: 'envoy:1' },
          { name: 'new', image: 'busybox' },
        ],
        tolerations: [{ key: 'y' }],
      },
    });
  });

  it('strategic merge: $patch delete removes a list element, $patch replace a whole map', () => {
    const patched = applyPatch(
      pod,
      {
        metadata: { labels: { $patch: 'replace', only: 'this' } },
        spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] },
      },
      'strategic',
    );
    expect(patched['metadata']).toMatchObject({ labels: { only: 'this' } });
    expect(
      (patched['spec'] as { containers: { name: string }[] }).containers.map((c) => c.name),
    ).toEqual(['app']);
  });

  it('merge patch replaces lists whole (RFC 7386)', () => {
    const patched = applyPatch(pod, { spec: { containers: [{ name: 'only' }] } }, 'merge');
    expect((patched['spec'] as { containers: unknown[] }).containers).toEqual([{ name: 'only' }]);
  });

  it('JSON patch applies all operations or fails with 422 naming the operation', () => {
    expect(
      applyPatch(pod, [{ op: 'replace', path: '/metadata/labels/app', value: 'api' }], 'json')[
        'metadata'
      ],
    ).toMatchObject({
      labels: { app: 'api' },
    });
    expect(() => applyPatch(pod, [{ op: 'remove', path: '/metadata/nothing' }], 'json')).toThrow(
      KubernetesStatusFailure,
    );
    expect(() => applyPatch(pod, { op: 'add' }, 'json')).toThrow(/list of operations/);
  });

  it('refuses unknown media types (server-side apply included) with 415', () => {
    expect(patchTypeOf('application/merge-patch+json; charset=utf-8')).toBe('merge');
    try {
      patchTypeOf('application/apply-patch+yaml');
      expect.fail('accepted apply-patch');
    } catch (error) {
      expect(error).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    }
  });
});
