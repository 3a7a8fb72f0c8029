/** An object a watch holds, with what tells two versions of it apart. */
export interface CachedObject<T> {
  uid: string;
  resourceVersion: string;
  value: T;
}

/** A change a watch delivers. */
export interface ObjectChange<T> {
  type: 'upsert' | 'delete';
  value: T;
}

/**
 * What changed between the objects a watch held (`cached`, by key) and a fresh list: a delete
 * for every object that is gone or whose name now belongs to another UID (first, in cache
 * order), then an upsert for every listed object that is new, replaced or of another
 * resourceVersion (in list order). Unchanged objects give nothing, so a relist after a 410
 * delivers exactly the changes the watch missed, once.
 */
export function relistChanges<T>(
  cached: ReadonlyMap<string, CachedObject<T>>,
  listed: ReadonlyMap<string, CachedObject<T>>,
): ObjectChange<T>[] {
  const changes: ObjectChange<T>[] = [];
  for (const [key, old] of cached) {
    const now = listed.get(key);
    if (now === undefined || now.uid !== old.uid)
      changes.push({ type: 'delete', value: old.value });
  }
  for (const [key, now] of listed) {
    const old = cached.get(key);
    if (old === undefined || old.uid !== now.uid || old.resourceVersion !== now.resourceVersion) {
      changes.push({ type: 'upsert', value: now.value });
    }
  }
  return changes;
}
