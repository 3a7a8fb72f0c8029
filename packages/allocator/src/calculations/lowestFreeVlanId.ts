/**
 * The lowest VLAN id from 1 to `maxVlanId` that `isUsed` rejects, or null when all are used.
 * VLAN 0 is never handed out (it means "untagged").
 */
export function lowestFreeVlanId(
  isUsed: (vlanId: number) => boolean,
  maxVlanId: number,
): number | null {
  for (let vlanId = 1; vlanId <= maxVlanId; vlanId++) {
    if (!isUsed(vlanId)) return vlanId;
  }
  return null;
}
