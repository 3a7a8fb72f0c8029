import { isJsonObject } from './jsonFields.js';

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});
const MAX_ENTRIES = 50_000;

/**
 * Shares equal strings and equal label maps between cached objects: 100,000 pods of a few
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

  /** A frozen map shared with every equal one: the string members of `value`. */
  sharedMap(value: unknown): Readonly<Record<string, string>> {
    if (!isJsonObject(value)) return EMPTY;
    let key = '';
    for (const k in value) {
      const v = value[k];
      if (typeof v === 'string') key += `${k}\u0000${v}\u0001`;
    }
    if (key === '') return EMPTY;
    const known = this.#maps.get(key);
    if (known !== undefined) return known;
    const map: Record<string, string> = {};
    for (const k in value) {
      const v = value[k];
      if (typeof v === 'string') map[this.text(k)] = this.text(v);
    }
    Object.freeze(map);
    if (this.#maps.size >= MAX_ENTRIES) this.#maps.clear();
    this.#maps.set(key, map);
    return map;
  }

  /**
   * The string members of `value` that `keep` accepts, in a map of their own (annotations differ
   * from pod to pod: sharing them would cost more than it saves); the shared empty map when none.
   */
  filteredMap(value: unknown, keep: (key: string) => boolean): Readonly<Record<string, string>> {
    if (!isJsonObject(value)) return EMPTY;
    let map: Record<string, string> | null = null;
    for (const k in value) {
      const v = value[k];
      if (typeof v !== 'string' || !keep(k)) continue;
      map ??= {};
      map[this.text(k)] = v;
    }
    return map === null ? EMPTY : Object.freeze(map);
  }
}
