import { describe, expect, it } from 'vitest';
import { NodeLedger } from '../../services/NodeLedger.js';
import { BranchRecord } from './BranchRecord.js';
import { NodeBranches } from './NodeBranches.js';
import type { NodeServing } from './NodeBranches.js';
import { PodRecord } from './PodRecord.js';

/** A ready node with `capacity` slots, and a serving that records what the node decided. */
function readyNode(capacity: number) {
  const node = new NodeBranches('node-a');
  node.status = 'ready';
  node.ledger = new NodeLedger<BranchRecord>(capacity, 4094);
  const placed: string[] = [];
  const deleted: BranchRecord[] = [];
  const serving: NodeServing = {
    reuse: true,
    reuseWaitMs: 0,
    paused: () => false,
    now: () => 0,
    resolve: (pod) => ({ groupKey: pod.labels.groups ?? 'sg-web', fallback: false }),
    cancelDeadline: () => undefined,
    placed: (pod) => placed.push(pod.name),
    makeRoom: (branch) => {
      deleted.push(branch);
      node.moveBranch(branch, 'deleting');
    },
  };
  let seq = 0;
  const enqueue = (name: string, groups = 'sg-web'): PodRecord => {
    const pod = new PodRecord(`uid-${name}`, 'default', name, { groups }, 'default');
    node.enqueue(pod, ++seq);
    return pod;
  };
  return { node, serving, placed, deleted, enqueue };
}

/** A held branch of `groupKey` on the node (found at recovery, say). */
function held(node: NodeBranches, vlanId: number, groupKey: string): BranchRecord {
  const branch = new BranchRecord(node, vlanId, groupKey, 'held');
  node.ledger?.adopt(branch);
  return branch;
}

describe('NodeBranches.serve', () => {
  it('gives slots in FIFO order and keeps the rest waiting', () => {
    const { node, serving, placed, enqueue } = readyNode(2);
    const pods = ['a', 'b', 'c'].map((name) => enqueue(name));
    node.serve(serving);
    expect(placed).toEqual(['a', 'b']);
    expect(pods.map((pod) => pod.status)).toEqual(['allocating', 'allocating', 'waiting']);
    expect(pods.map((pod) => pod.branch?.vlanId ?? null)).toEqual([1, 2, null]);
    expect(pods.map((pod) => pod.branch?.state ?? null)).toEqual(['creating', 'creating', null]);
    expect(node.waitingPods().map((pod) => pod.name)).toEqual(['c']);
  });

  it('hands a held branch of the same group set to a pod, without a new slot', () => {
    const { node, serving, placed, enqueue } = readyNode(1);
    const branch = held(node, 7, 'sg-web');
    const pod = enqueue('a');
    node.serve(serving);
    expect(placed).toEqual(['a']);
    expect(pod.branch).toBe(branch);
    expect(branch).toMatchObject({ state: 'in-use', pod });
    expect(node.ledger?.count('held')).toBe(0);
  });

  it('deletes a held branch nobody waiting wants to make room, and waits for it', () => {
    const { node, serving, placed, deleted, enqueue } = readyNode(1);
    const branch = held(node, 7, 'sg-db');
    enqueue('a', 'sg-web');
    node.serve(serving);
    expect(placed).toEqual([]);
    expect(deleted).toEqual([branch]);
    expect(node.waitingPods().map((pod) => pod.name)).toEqual(['a']);
  });

  it('serves nothing while the controller is paused or the node not ready', () => {
    const { node, serving, placed, enqueue } = readyNode(2);
    enqueue('a');
    node.serve({ ...serving, paused: () => true });
    node.status = 'preparing';
    node.serve(serving);
    expect(placed).toEqual([]);
  });

  it('refuses a branch move its transition table does not allow', () => {
    const { node } = readyNode(1);
    const branch = held(node, 3, 'sg-web');
    expect(() => {
      node.moveBranch(branch, 'cooling');
    }).toThrow('branch on VLAN 3 cannot go held → cooling');
    expect(branch.state).toBe('held');
  });
});
