import type { PlanStep } from '@podsg/cni';

/**
 * A short human description of a plan step for error messages: its op, namespace and key fields,
 * e.g. `rule.add in host (priority 10, table 105, iif vlan.eth.5)`.
 */
export function describePlanStep(step: PlanStep): string {
  // Plans may come from JSON, so values are not trusted to match their types.
  const entries: [string, unknown][] = Object.entries(step);
  const fields = entries
    .filter(([key, value]) => key !== 'op' && key !== 'ns' && value !== undefined)
    .map(([key, value]) => `${key} ${printable(value)}`);
  return `${step.op} in ${step.ns} (${fields.join(', ')})`;
}

function printable(value: unknown): string {
  // Quote anything unusual so a hostile value cannot forge lines in a log.
  return typeof value === 'string' && /^[\w.:/-]*$/.test(value) ? value : JSON.stringify(value);
}
