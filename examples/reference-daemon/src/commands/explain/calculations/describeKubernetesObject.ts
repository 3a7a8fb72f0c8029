/**
 * `apiVersion kind namespace/name` as far as `content` has them, for messages about
 * documents that were skipped: `v1 ConfigMap default/settings`, `(not an object)`.
 */
export function describeKubernetesObject(content: unknown): string {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    return Array.isArray(content) ? '(a list, not an object)' : '(not an object)';
  }
  const { apiVersion, kind, metadata } = content as Record<string, unknown>;
  const meta = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<
    string,
    unknown
  >;
  const name = typeof meta['name'] === 'string' ? meta['name'] : undefined;
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  const parts = [
    typeof apiVersion === 'string' ? apiVersion : '(no apiVersion)',
    typeof kind === 'string' ? kind : '(no kind)',
  ];
  if (name !== undefined) parts.push(namespace === undefined ? name : `${namespace}/${name}`);
  return parts.join(' ');
}
