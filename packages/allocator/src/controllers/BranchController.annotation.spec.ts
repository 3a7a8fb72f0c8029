import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterPod } from '../index.js';
import { world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

/** Counts the controller's reads of pods by name, optionally answering with another UID. */
function countReads(w: World, replacedUid?: string): () => number {
  let reads = 0;
  const read = w.cluster.getPod.bind(w.cluster);
  w.cluster.getPod = async (namespace, name): Promise<ClusterPod | null> => {
    reads += 1;
    const pod = await read(namespace, name);
    return pod === null || replacedUid === undefined ? pod : { ...pod, uid: replacedUid };
  };
  return () => reads;
}

describe('BranchController: the pod annotation', () => {
  it('re-reads the pod after a 409 on its annotation and converges while its UID holds the name', async () => {
    const w = (current = await world({}, {}, true, {
      faults: [{ method: 'annotatePod', rate: 0.5, kind: 'Conflict' }],
    }));
    const reads = countReads(w);
    w.addNode('node-a');
    await w.run(5);
    const names = ['web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6'];
    for (const name of names) await w.createPod(name);
    await w.run(60);
    expect(reads()).toBeGreaterThan(0);
    for (const name of names) expect(w.annotation(name)).not.toBeNull();
    const annotated = new Set(names.map((name) => w.annotation(name)?.eniId));
    expect(annotated.size).toBe(names.length);
    expect(w.branches()).toHaveLength(names.length);
    expect(w.controller.inspect().branches.map((branch) => branch.state)).toEqual(
      names.map(() => 'in-use'),
    );
    expect(w.reasons()).not.toContain('BranchAllocationFailed');
  });

  it('gives the branch back when the 409 means the name now belongs to another pod', async () => {
    const w = (current = await world({}, {}, true, {
      faults: [{ method: 'annotatePod', rate: 1, kind: 'Conflict' }],
    }));
    const reads = countReads(w, 'replaced-uid');
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(10);
    expect(reads()).toBe(1);
    expect(w.annotation('web-1')).toBeNull();
    // The interface never reached a pod: held for reuse, no cooldown, nothing leaked.
    expect(w.controller.inspect().branches).toMatchObject([{ state: 'held', pod: null }]);
    expect(w.reasons()).not.toContain('BranchAllocationFailed');
  });
});
