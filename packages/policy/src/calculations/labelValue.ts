/**
 * The value of label `key`, or undefined when absent.
 *
 * Only string values count, so `Object.prototype` members such as `constructor` (functions) are
 * never mistaken for labels; no own-property check is made, because this sits on the hot path
 * of `PolicyIndex.resolve` and label maps are plain JSON objects.
 */
export function labelValue(
  labels: Readonly<Record<string, string>>,
  key: string,
): string | undefined {
  const value: unknown = labels[key];
  return typeof value === 'string' ? value : undefined;
}
