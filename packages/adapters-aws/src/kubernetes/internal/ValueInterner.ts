const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
const MAX_ENTRIES = 50_000;

/**
 * Shares equal strings and equal string maps between cached objects: 100,000 pods of a few
 * deployments carry a few dozen distinct namespaces, service accounts, node names and label
 * sets. Bounded: when a table is full it starts over (sharing is an optimisation, not a
 * promise).
 */
export class ValueInterner {
  readonly #texts = new Map<string, string>();
  readonly #maps = new Map<string, Readonly<Record<string, string>>>();

  /** The shared copy of `value`. */
  text(value: string): string {
    const known = this.#texts.get(value);
    if (known !== undefined) return known;
    if (this.#texts.size >= MAX_ENTRIES) this.#texts.clear();
    this.#texts.set(value, value);
    return value;
  }

  /** A frozen shared map equal to `entries` (in their order). */
  map(entries: readonly (readonly [string, string])[]): Readonly<Record<string, string>> {
    if (entries.length === 0) return EMPTY;
    const key = JSON.stringify(entries);
    const known = this.#maps.get(key);
    if (known !== undefined) return known;
    const map: Record<string, string> = {};
    for (const [k, v] of entries) map[this.text(k)] = this.text(v);
    Object.freeze(map);
    if (this.#maps.size >= MAX_ENTRIES) this.#maps.clear();
    this.#maps.set(key, map);
    return map;
  }
}
