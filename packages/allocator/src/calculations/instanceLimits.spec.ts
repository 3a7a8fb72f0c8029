import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import { instanceLimits, isTrunkCompatible } from './instanceLimits.js';

describe('instanceLimits', () => {
  it('reads the bundled table: c5.4xlarge takes 54 branches on 8 interfaces', () => {
    expect(instanceLimits('c5.4xlarge')).toEqual({
      instanceType: 'c5.4xlarge',
      interfaces: 8,
      trunkCompatible: true,
      branchInterfaces: 54,
      maxVlanId: 54,
    });
  });

  it('runs VLAN ids up to min(branchInterfaces, 120)', () => {
    expect(instanceLimits('g7e.12xlarge')).toMatchObject({ branchInterfaces: 120, maxVlanId: 120 });
    expect(instanceLimits('d3.8xlarge')).toMatchObject({ branchInterfaces: 119, maxVlanId: 119 });
    expect(instanceLimits('c5.large')).toMatchObject({ branchInterfaces: 9, maxVlanId: 9 });
  });

  it('reports types without trunk support with zero capacity', () => {
    expect(instanceLimits('t2.micro')).toMatchObject({
      trunkCompatible: false,
      branchInterfaces: 0,
    });
    expect(isTrunkCompatible('t2.micro')).toBe(false);
    expect(isTrunkCompatible('m5.large')).toBe(true);
  });

  it('refuses an unknown type by name', () => {
    expect(() => instanceLimits('z9.mega')).toThrow(/z9\.mega/);
    try {
      instanceLimits('z9.mega');
    } catch (error) {
      expect(AllocatorError.is(error, 'UnsupportedInstanceType')).toBe(true);
    }
    expect(isTrunkCompatible('z9.mega')).toBe(false);
  });

  it('does not mistake inherited object keys for types', () => {
    expect(() => instanceLimits('constructor')).toThrow(AllocatorError);
  });
});
