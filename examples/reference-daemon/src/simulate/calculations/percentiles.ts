import type { ReadySeconds } from '../models/SimulationReport.js';

/** Nearest-rank percentiles (p50, p90, p99, max) of `samples`; all 0 for no samples. */
export function readyPercentiles(samples: readonly number[]): ReadySeconds {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number): number => {
    const rank = Math.max(1, Math.ceil(fraction * sorted.length));
    return round(sorted[rank - 1] ?? 0);
  };
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? 0) };
}

/** Milliseconds of simulated time as seconds with millisecond precision. */
export function toSeconds(ms: number): number {
  return round(ms / 1000);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
