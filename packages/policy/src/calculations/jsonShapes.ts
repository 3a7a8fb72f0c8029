/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a JSON value's type for messages: `null`, `an array`, `a number`, … */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A JSON pointer token: `~` becomes `~0` and `/` becomes `~1` (RFC 6901). */
export function escapeJsonPointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A value for messages: strings, numbers and booleans as JSON, `nothing` when absent, else its type. */
export function showJsonValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  return ['string', 'number', 'boolean'].includes(typeof value)
    ? JSON.stringify(value)
    : describeJsonType(value);
}
