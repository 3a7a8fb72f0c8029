/**
 * The value of label `key`, or undefined when absent. Only own string properties count, so keys
 * such as `constructor` or `__proto__` are never mistaken for labels.
 */
export function labelValue(
  labels: Readonly<Record<string, string>>,
  key: string,
): string | undefined {
  if (!Object.hasOwn(labels, key)) return undefined;
  const value: unknown = labels[key];
  return typeof value === 'string' ? value : undefined;
}
