import type { SimulatedEventReport } from '../models/SimulationReport.js';

/** Warning events of one reason, folded into one line's worth. */
export interface CollapsedWarning {
  readonly reason: string;
  readonly count: number;
  readonly firstAt: number;
  readonly lastAt: number;
  /** The first event of the reason, as an example. */
  readonly first: SimulatedEventReport;
}

/**
 * Folds the Warning events by reason, in order of first appearance, so 1,000
 * `FailedScheduling` events read as one line with a count.
 */
export function collapseWarnings(events: readonly SimulatedEventReport[]): CollapsedWarning[] {
  const byReason = new Map<
    string,
    { count: number; lastAt: number; first: SimulatedEventReport }
  >();
  for (const event of events) {
    if (event.type !== 'Warning') continue;
    const entry = byReason.get(event.reason);
    if (entry === undefined)
      byReason.set(event.reason, { count: 1, lastAt: event.at, first: event });
    else {
      entry.count++;
      entry.lastAt = event.at;
    }
  }
  return [...byReason.entries()].map(([reason, { count, lastAt, first }]) => ({
    reason,
    count,
    firstAt: first.at,
    lastAt,
    first,
  }));
}
