/**
 * A small, fast, seeded pseudo-random source (mulberry32). The same seed gives the same
 * sequence on every machine, so simulations and fault injection are reproducible. `fork`
 * derives independent streams, so drawing latency does not shift the ids or faults drawn
 * elsewhere.
 */
export class SeededRandom {
  #state: number;

  /** @param seed any finite number; equal seeds give equal sequences. */
  constructor(readonly seed: number) {
    if (!Number.isFinite(seed))
      throw new RangeError(`SeededRandom seed ${String(seed)} is not finite`);
    this.#state = mix(Math.floor(seed) ^ 0x9e3779b9);
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float uniformly in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** `digits` lowercase hex digits. */
  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += this.int(0, 0xffff).toString(16).padStart(4, '0');
    return out.slice(0, digits);
  }

  /** An independent stream derived from this one's seed and `label`. */
  fork(label: string): SeededRandom {
    let h = Math.floor(this.seed) | 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(mix(h));
  }
}

function mix(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
