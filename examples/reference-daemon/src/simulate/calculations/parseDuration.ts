const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const SECONDS_PER_UNIT = { ms: 0.001, s: 1, m: 60, h: 3600 } as const;

/**
 * Seconds of a scenario duration: a number of seconds, or a string such as `500ms`, `30s`,
 * `10m`, `1h`. Returns null for anything else (negative numbers included).
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = DURATION.exec(value.trim());
  if (!match) return null;
  const [, amount, unit] = match as unknown as [string, string, keyof typeof SECONDS_PER_UNIT];
  return Number(amount) * SECONDS_PER_UNIT[unit];
}
