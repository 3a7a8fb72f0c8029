import type { Ec2Call } from '@podsg/adapters-fake';
import type { SimulatedFaultReport } from '../models/SimulationReport.js';
import { toSeconds } from './percentiles.js';

/**
 * The EC2 faults the scenario injected, per API (sorted by name): how many, how many of them
 * lost the response of a change that took effect, and when the first and last happened.
 */
export function summarizeEc2Faults(calls: readonly Ec2Call[]): SimulatedFaultReport[] {
  const byApi = new Map<string, SimulatedFaultReport>();
  for (const call of calls) {
    if (call.outcome !== 'fault') continue;
    const at = toSeconds(call.at);
    const entry = byApi.get(call.api);
    if (entry === undefined) {
      byApi.set(call.api, {
        api: call.api,
        count: 1,
        responsesLost: call.afterEffect === true ? 1 : 0,
        firstAt: at,
        lastAt: at,
      });
    } else {
      entry.count++;
      if (call.afterEffect === true) entry.responsesLost++;
      entry.lastAt = at;
    }
  }
  return [...byApi.values()].sort((a, b) => (a.api < b.api ? -1 : a.api > b.api ? 1 : 0));
}
