import { describe, expect, it } from 'vitest';
import { branchAssociateToken, branchCreateToken, trunkCreateToken } from './branchClientTokens.js';

const ENI = 'eni-0123456789abcdef0';

describe('branchAssociateToken', () => {
  it('is the same for retries of one association attempt', () => {
    expect(branchAssociateToken(ENI, 7, 0)).toBe(branchAssociateToken(ENI, 7, 0));
  });

  it('differs after a disassociation (new generation), even under the same VLAN id', () => {
    expect(branchAssociateToken(ENI, 7, 1)).not.toBe(branchAssociateToken(ENI, 7, 0));
  });

  it('differs for another VLAN id or another branch', () => {
    expect(branchAssociateToken(ENI, 8, 0)).not.toBe(branchAssociateToken(ENI, 7, 0));
    expect(branchAssociateToken('eni-0fedcba9876543210', 7, 0)).not.toBe(
      branchAssociateToken(ENI, 7, 0),
    );
  });
});

describe('client tokens', () => {
  it('stay distinct per generation with the longest ids (nothing is cut at 64 characters)', () => {
    const uid = '01234567-89ab-4cde-8f01-23456789abcd';
    const pairs: [string, string][] = [
      [branchCreateToken(uid, 1_000_000), branchCreateToken(uid, 1_000_001)],
      [branchAssociateToken(ENI, 4094, 1_000_000), branchAssociateToken(ENI, 4094, 1_000_001)],
      [
        trunkCreateToken('i-0123456789abcdef0', 1_000_000),
        trunkCreateToken('i-0123456789abcdef0', 1_000_001),
      ],
    ];
    for (const [first, next] of pairs) expect(first).not.toBe(next);
  });
});
