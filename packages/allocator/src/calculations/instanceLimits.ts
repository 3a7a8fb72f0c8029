import limitsFile from '../data/ec2-instance-limits.json' with { type: 'json' };
import { AllocatorError } from '../errors/AllocatorError.js';
import type { InstanceLimits } from '../models/InstanceLimits.js';

/** EKS never hands out VLAN ids above 120, whatever a type's branch limit. */
const MAX_VLAN_ID = 120;

interface LimitsEntry {
  interfaces: number;
  trunkCompatible: boolean;
  branchInterfaces: number;
  defaultNetworkCardIndex: number;
  networkCards: { networkCardIndex: number; maximumNetworkInterfaces: number }[];
}

const entries: Readonly<Record<string, LimitsEntry | undefined>> = limitsFile.instanceTypes;
const cache = new Map<string, InstanceLimits>();

/**
 * The trunk and branch limits of an EC2 instance type, from the bundled copy of the resource
 * controller's limits table (1,164 types).
 *
 * @throws AllocatorError of kind `UnsupportedInstanceType` naming the type when it is unknown
 */
export function instanceLimits(instanceType: string): InstanceLimits {
  const cached = cache.get(instanceType);
  if (cached !== undefined) return cached;
  const entry = Object.hasOwn(entries, instanceType) ? entries[instanceType] : undefined;
  if (entry === undefined) {
    throw new AllocatorError(
      'UnsupportedInstanceType',
      `instance type "${instanceType}" is not in the EC2 instance limits table`,
    );
  }
  const card = entry.networkCards.find(
    (networkCard) => networkCard.networkCardIndex === entry.defaultNetworkCardIndex,
  );
  const limits: InstanceLimits = Object.freeze({
    instanceType,
    interfaces: card?.maximumNetworkInterfaces ?? entry.interfaces,
    trunkCompatible: entry.trunkCompatible && entry.branchInterfaces > 0,
    branchInterfaces: entry.trunkCompatible ? entry.branchInterfaces : 0,
    maxVlanId: entry.trunkCompatible ? Math.min(entry.branchInterfaces, MAX_VLAN_ID) : 0,
  });
  cache.set(instanceType, limits);
  return limits;
}

/** Whether an instance type is known and can take a trunk interface (never throws). */
export function isTrunkCompatible(instanceType: string): boolean {
  try {
    return instanceLimits(instanceType).trunkCompatible;
  } catch {
    return false;
  }
}
