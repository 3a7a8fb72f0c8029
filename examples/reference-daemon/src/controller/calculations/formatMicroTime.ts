/** A Kubernetes `MicroTime` (RFC 3339 with microseconds, UTC): `2026-12-01T02:00:00.000000Z`. */
export function formatMicroTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}
