/**
 * The highest device index below `interfaces` that no attached interface uses, or null when all
 * are taken. The trunk goes at the top so that the node's ordinary interfaces, which fill from the
 * bottom, keep their indexes.
 */
export function highestFreeDeviceIndex(
  usedDeviceIndexes: Iterable<number>,
  interfaces: number,
): number | null {
  const used = new Set(usedDeviceIndexes);
  for (let index = interfaces - 1; index >= 1; index--) {
    if (!used.has(index)) return index;
  }
  return null;
}
