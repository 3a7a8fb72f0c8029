import { afterEach, describe, expect, it } from 'vitest';
import { RELEASED_BRANCHES_ANNOTATION } from '../index.js';
import type { PodEniAttachment, ReleasedBranch } from '../index.js';
import { world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

/** Publishes confirmations on the node as its agent would (one merge patch). */
function confirm(w: World, node: string, entries: readonly Partial<ReleasedBranch>[]): void {
  w.cluster.annotateNode(node, { [RELEASED_BRANCHES_ANNOTATION]: JSON.stringify(entries) });
}

function entryFor(attachment: PodEniAttachment, podUid: string): ReleasedBranch {
  return {
    eniId: attachment.eniId,
    vlanId: attachment.vlanId,
    podUid,
    releasedAt: '2026-12-01T02:00:00Z',
  };
}

/** A node with one web pod allocated; returns its attachment and UID. */
async function onePod(
  options: Parameters<typeof world>[0] = {},
): Promise<{ w: World; attachment: PodEniAttachment; uid: string }> {
  const w = (current = await world({ cooldownSeconds: 60, recycleSeconds: 600, ...options }));
  w.addNode('node-a');
  await w.run(5);
  await w.createPod('web-1');
  await w.run(5);
  const attachment = w.annotation('web-1');
  if (attachment === null) throw new Error('web-1 was not allocated');
  return { w, attachment, uid: w.uid('web-1') };
}

const stateOf = (w: World, eniId: string): string | undefined =>
  w.controller.inspect().branches.find((branch) => branch.eniId === eniId)?.state;

describe('BranchController: confirmed release', () => {
  it('ends the cooldown as soon as the node agent confirms the pod released the branch, and reuses it', async () => {
    const { w, attachment, uid } = await onePod();
    const confirmed: string[] = [];
    w.controller.events.on('releaseConfirmed', (detail) => confirmed.push(detail.eniId));
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    expect(stateOf(w, attachment.eniId)).toBe('cooling');
    confirm(w, 'node-a', [entryFor(attachment, uid)]);
    await w.run(0.1);
    expect(stateOf(w, attachment.eniId)).toBe('held');
    expect(confirmed).toEqual([attachment.eniId]);
    const created = w.controller.stats().created;
    await w.createPod('web-2');
    await w.run(2);
    expect(w.annotation('web-2')).toEqual(attachment);
    expect(w.controller.stats()).toMatchObject({
      created,
      reused: 1,
      releasesConfirmed: 1,
      cooldownsExpired: 0,
    });
  });

  it('applies a confirmation that arrived while the pod was still terminating once the pod is gone', async () => {
    const { w, attachment, uid } = await onePod();
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 30 }); // removed after 1 s
    await w.run(0.2);
    confirm(w, 'node-a', [entryFor(attachment, uid)]);
    await w.run(0.2);
    expect(stateOf(w, attachment.eniId)).toBe('in-use'); // the pod still exists: ignored for now
    await w.run(1);
    expect(stateOf(w, attachment.eniId)).toBe('held');
    expect(w.controller.stats().releasesConfirmed).toBe(1);
  });

  it('ignores confirmations for another pod, another VLAN, an unknown interface or another node; the cooldown still ends it', async () => {
    const { w, attachment, uid } = await onePod();
    w.addNode('node-b');
    await w.run(5);
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    const other = '9d2f4c1e-0000-4000-8000-000000000001';
    confirm(w, 'node-a', [
      entryFor(attachment, other),
      { ...entryFor(attachment, uid), vlanId: attachment.vlanId + 1 },
      { ...entryFor(attachment, uid), eniId: 'eni-0123456789abcdef0' },
    ]);
    confirm(w, 'node-b', [entryFor(attachment, uid)]);
    await w.run(30);
    expect(stateOf(w, attachment.eniId)).toBe('cooling');
    expect(w.controller.stats().releasesConfirmed).toBe(0);
    await w.run(30);
    expect(stateOf(w, attachment.eniId)).toBe('held');
    expect(w.controller.stats()).toMatchObject({ releasesConfirmed: 0, cooldownsExpired: 1 });
  });

  it('ignores a stale confirmation of the previous pod once the branch was reused by another', async () => {
    const { w, attachment, uid } = await onePod();
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    confirm(w, 'node-a', [entryFor(attachment, uid)]);
    await w.createPod('web-2');
    await w.run(2);
    expect(w.annotation('web-2')?.eniId).toBe(attachment.eniId);
    await w.cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    w.cluster.labelNode('node-a', { touched: 'yes' }); // the old entry is delivered again
    await w.run(10);
    expect(stateOf(w, attachment.eniId)).toBe('cooling');
    expect(w.controller.stats().releasesConfirmed).toBe(1);
  });

  it('deletes at once under the baseline strategy when the release is confirmed', async () => {
    const { w, attachment, uid } = await onePod({ strategy: 'baseline' });
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    confirm(w, 'node-a', [entryFor(attachment, uid)]);
    await w.run(2);
    expect(w.branches()).toHaveLength(0);
    expect(w.controller.stats().releasesConfirmed).toBe(1);
  });

  it('reports a bad annotation once as a warning naming the field, and still applies its valid entries', async () => {
    const { w, attachment, uid } = await onePod();
    const warnings: string[] = [];
    w.controller.events.on('warning', (detail) => warnings.push(detail.message));
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    confirm(w, 'node-a', [{ ...entryFor(attachment, uid), vlanId: 0 }, entryFor(attachment, uid)]);
    await w.run(0.1);
    w.cluster.labelNode('node-a', { touched: 'yes' });
    await w.run(0.1);
    expect(warnings).toEqual([
      `node node-a: ${RELEASED_BRANCHES_ANNOTATION}[0].vlanId: 0 is not a whole number from 1 to 4094; entry ignored`,
    ]);
    expect(stateOf(w, attachment.eniId)).toBe('held');
    w.cluster.annotateNode('node-a', { [RELEASED_BRANCHES_ANNOTATION]: '{not json' });
    await w.run(0.1);
    expect(warnings.at(-1)).toBe(`node node-a: ${RELEASED_BRANCHES_ANNOTATION}: not JSON; ignored`);
  });

  it('keeps the cooldown of a branch found cooling after a restart, whose pod-uid tag may be stale', async () => {
    const { w, attachment, uid } = await onePod();
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    confirm(w, 'node-a', [entryFor(attachment, uid)]);
    w.ec2.setFaults([{ api: 'CreateTags', rate: 1 }]); // the background tag rewrite fails
    await w.createPod('web-2'); // reuses it
    await w.run(2);
    expect(w.annotation('web-2')?.eniId).toBe(attachment.eniId);
    expect(w.branches()[0]?.tags['podsg.io/pod-uid']).toBe(uid);
    await w.cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    await w.restart(); // the tag still names web-1, whose release was confirmed
    expect(stateOf(w, attachment.eniId)).toBe('cooling');
    w.cluster.labelNode('node-a', { touched: 'yes' });
    await w.run(30);
    expect(stateOf(w, attachment.eniId)).toBe('cooling');
    await w.run(31);
    expect(stateOf(w, attachment.eniId)).toBe('held');
    expect(w.controller.stats()).toMatchObject({ releasesConfirmed: 0, cooldownsExpired: 1 });
  });
});
