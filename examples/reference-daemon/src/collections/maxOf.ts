/**
 * The largest of `values`, or `floor` when there are none or all are smaller. Unlike
 * `Math.max(...values)` it does not overflow the call stack on 150,000 values.
 */
export function maxOf(values: Iterable<number>, floor = 0): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}
