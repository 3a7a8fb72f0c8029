import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import type { BranchState } from '../models/BranchState.js';
import { NodeLedger } from './NodeLedger.js';
import type { LedgerBranch } from './NodeLedger.js';

function branch(vlanId: number, groupKey = 'sg-a', state: BranchState = 'creating'): LedgerBranch {
  return { vlanId, groupKey, state };
}

describe('NodeLedger', () => {
  it('reserves the lowest free VLAN until capacity is reached', () => {
    const ledger = new NodeLedger(3, 3);
    expect([ledger.reserve(), ledger.reserve(), ledger.reserve(), ledger.reserve()]).toEqual([
      1,
      2,
      3,
      null,
    ]);
    expect(ledger.occupied()).toBe(3);
  });

  it('walks a branch in-use → cooling → held → in-use (reuse) and keeps counts', () => {
    const ledger = new NodeLedger(4, 4);
    const b = branch(ledger.reserve()!);
    ledger.move(b, 'in-use');
    ledger.move(b, 'cooling');
    expect(ledger.count('cooling')).toBe(1);
    expect([...ledger.cooling('sg-a')]).toEqual([b]);
    ledger.move(b, 'held');
    expect(ledger.peekHeld('sg-a')).toBe(b);
    expect(ledger.peekHeld('sg-b')).toBeUndefined();
    ledger.move(b, 'in-use');
    expect(ledger.peekHeld('sg-a')).toBeUndefined();
    expect(ledger.count('in-use')).toBe(1);
    expect(ledger.occupied()).toBe(1);
  });

  it('counts the in-use, cooling and held branches of each group set', () => {
    const ledger = new NodeLedger(4, 4);
    const a = branch(ledger.reserve()!, 'sg-a');
    const b = branch(ledger.reserve()!, 'sg-b');
    ledger.move(a, 'in-use');
    ledger.move(b, 'in-use');
    expect([ledger.countOf('in-use', 'sg-a'), ledger.countOf('in-use', 'sg-b')]).toEqual([1, 1]);
    ledger.move(a, 'cooling');
    ledger.regroup(b, 'sg-a');
    expect(ledger.countOf('in-use', 'sg-a')).toBe(1);
    expect(ledger.countOf('in-use', 'sg-b')).toBe(0);
    expect(ledger.countOf('cooling', 'sg-a')).toBe(1);
    ledger.move(a, 'held');
    expect([ledger.countOf('cooling', 'sg-a'), ledger.countOf('held', 'sg-a')]).toEqual([0, 1]);
  });

  it('counts cooling and held branches against capacity until they are freed', () => {
    const ledger = new NodeLedger(2, 2);
    const a = branch(ledger.reserve()!);
    const b = branch(ledger.reserve()!);
    ledger.move(a, 'in-use');
    ledger.move(a, 'cooling');
    ledger.move(b, 'held');
    expect(ledger.reserve()).toBeNull();
    ledger.move(b, 'deleting');
    expect(ledger.reserve()).toBeNull();
    ledger.free(b);
    expect(ledger.reserve()).toBe(b.vlanId);
  });

  it('refuses moves the life cycle does not allow', () => {
    const ledger = new NodeLedger(2, 2);
    const b = branch(ledger.reserve()!);
    expect(() => {
      ledger.move(b, 'cooling');
    }).toThrow(AllocatorError);
    ledger.move(b, 'in-use');
    expect(() => {
      ledger.move(b, 'creating');
    }).toThrow(/in-use → creating/);
  });

  it('picks as eviction victim a held branch of a group set nobody waits for', () => {
    const ledger = new NodeLedger(3, 3);
    const web = branch(ledger.reserve()!, 'sg-web');
    const db = branch(ledger.reserve()!, 'sg-db');
    ledger.move(web, 'held');
    ledger.move(db, 'held');
    expect(ledger.heldVictim(new Set(['sg-web']))).toBe(db);
    expect(ledger.heldVictim(new Set(['sg-web', 'sg-db']))).toBe(web);
  });

  it('adopts recovered branches under their VLAN and refuses duplicates', () => {
    const ledger = new NodeLedger(3, 3);
    expect(ledger.adopt(branch(2, 'sg-a', 'in-use'))).toBe(true);
    expect(ledger.adopt(branch(2, 'sg-a', 'cooling'))).toBe(false);
    expect(ledger.adopt(branch(9, 'sg-a', 'in-use'))).toBe(false);
    expect(ledger.reserve()).toBe(1);
    expect(ledger.reserve()).toBe(3);
  });

  it('moves a branch off a VLAN EC2 says is taken, blocking that id', () => {
    const ledger = new NodeLedger(3, 3);
    const b = branch(ledger.reserve()!);
    expect(ledger.revlan(b)).toBe(2);
    expect(ledger.isVlanTaken(1)).toBe(true);
    expect(ledger.reserve()).toBe(3);
  });
});
