/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every item as an
 * argument and overflows the call stack beyond about 100,000 of them (a 150,000-document input).
 */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}
