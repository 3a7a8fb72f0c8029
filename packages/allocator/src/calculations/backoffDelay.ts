/** The shape of an exponential backoff. */
export interface BackoffPolicy {
  /** The nominal delay before the first retry, in milliseconds. */
  readonly baseMs: number;
  /** The cap of the nominal delay, in milliseconds. */
  readonly maxMs: number;
}

/**
 * The delay before retry number `retry` (1 for the first): "equal jitter" over the nominal
 * delay `d = min(maxMs, baseMs · 2^(retry-1))`, that is a value in `[d/2, d)`. Half is fixed so
 * that a retry never comes back at once; half is random so that callers that failed together do
 * not retry together.
 *
 * @param random - a source of numbers in [0, 1), injected so simulations are reproducible
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const unit = Math.min(Math.max(random(), 0), 0.999999);
  return nominal / 2 + (nominal / 2) * unit;
}
