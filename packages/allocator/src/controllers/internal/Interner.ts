import { groupSetKey } from '../../calculations/groupSetKey.js';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Shares one copy of each group set, label set and string the controller keeps per pod or
 * branch, so that a hundred thousand records of a few hundred shapes stay small.
 */
export class Interner {
  readonly #groupSets = new Map<string, readonly string[]>();
  readonly #labelSets = new Map<string, Readonly<Record<string, string>>>();
  readonly #strings = new Map<string, string>();

  /** The groups of a key made by `groups()` (or any `groupSetKey`). */
  groupIds(groupKey: string): readonly string[] {
    return this.#groupSets.get(groupKey) ?? (groupKey === '' ? [] : groupKey.split(','));
  }

  /** The key of a group set, remembering its sorted groups. */
  groups(groupIds: readonly string[]): string {
    const key = groupSetKey(groupIds);
    if (!this.#groupSets.has(key)) {
      this.#groupSets.set(key, Object.freeze(key === '' ? [] : key.split(',')));
    }
    return key;
  }

  /** A frozen copy of the labels, shared with every equal label set. */
  labels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const keys = Object.keys(labels);
    if (keys.length === 0) return NO_LABELS;
    keys.sort();
    let key = '';
    for (const name of keys) key += `${name}\u0000${labels[name] ?? ''}\u0000`;
    let interned = this.#labelSets.get(key);
    if (interned === undefined) {
      interned = Object.freeze({ ...labels });
      this.#labelSets.set(key, interned);
    }
    return interned;
  }

  /** The shared copy of a string. */
  text(text: string): string {
    const interned = this.#strings.get(text);
    if (interned !== undefined) return interned;
    this.#strings.set(text, text);
    return text;
  }
}
