import { appendAll } from '../../collections/appendAll.js';
import { maxOf } from '../../collections/maxOf.js';
import { collapseWarnings } from './collapseWarnings.js';
import type { SimulationReport } from '../models/SimulationReport.js';

/**
 * The operator's view of a simulation report: pods with their groups, interface, VLAN and
 * ready time; EC2 calls, throttles and injected faults; controller restarts; pod-ready
 * percentiles; warnings folded by reason; leaks and violations.
 */
export function formatSimulationSummary(report: SimulationReport): string {
  const { scenario } = report;
  const lines: string[] = [
    `Simulated cluster "${scenario.cluster}" for ${scenario.until} s (strategy ${scenario.strategy}, seed ${scenario.seed})`,
    '',
  ];
  const pods = report.pods.filter((pod) => pod.removedAt === null);
  const removed = report.pods.length - pods.length;
  lines.push(
    `Pods alive at the end: ${pods.length}${removed > 0 ? ` (${removed} deleted during the run)` : ''}`,
  );
  appendAll(
    lines,
    table(
      ['POD', 'NODE', 'SECURITY GROUPS', 'BRANCH ENI', 'VLAN', 'READY (s)'],
      pods.map((pod) => [
        `${pod.namespace}/${pod.name}`,
        pod.node ?? '(pending)',
        pod.groupIds.length === 0 ? '-' : pod.groupIds.join(','),
        pod.branch?.eniId ?? '-',
        pod.branch === null ? '-' : String(pod.branch.vlanId),
        pod.annotatedAt === null ? '-' : (pod.annotatedAt - pod.createdAt).toFixed(1),
      ]),
    ),
  );
  const interfaces = report.networkInterfaces;
  const count = (kind: string, status?: string): number =>
    interfaces.filter((eni) => eni.kind === kind && (status === undefined || eni.status === status))
      .length;
  lines.push(
    '',
    `Network interfaces: ${count('trunk')} trunk, ${count('branch')} branch (${count('branch', 'in-use')} in use), ${count('primary')} primary`,
  );
  const calls = Object.entries(report.ec2Calls).sort(([a], [b]) => a.localeCompare(b));
  const total = calls.reduce((sum, [, n]) => sum + n, 0);
  lines.push(
    `EC2 calls: ${total} (${report.ec2MutatingCalls} mutating), ${report.ec2Throttled} throttled`,
    ...calls.map(([api, n]) => `  ${api.padEnd(36)} ${String(n).padStart(6)}`),
  );
  if (report.ec2Faults.length > 0) {
    const faults = report.ec2Faults.reduce((sum, fault) => sum + fault.count, 0);
    const lost = report.ec2Faults.reduce((sum, fault) => sum + fault.responsesLost, 0);
    lines.push(
      `EC2 faults injected: ${faults}${lost > 0 ? ` (${lost} after the change took effect: response lost)` : ''}`,
    );
    for (const fault of report.ec2Faults) {
      lines.push(
        `  ${fault.api.padEnd(36)} ${String(fault.count).padStart(6)}  ${span(fault.firstAt, fault.lastAt)}`,
      );
    }
  }
  if (report.controllerRestarts.length > 0) {
    lines.push(
      `Controller restarts: ${report.controllerRestarts.length}, at ${report.controllerRestarts.map((at) => `${at} s`).join(', ')}`,
    );
  }
  const ready = report.podReadySeconds;
  lines.push(
    `Pod ready (creation to branch annotation): p50 ${ready.p50} s, p90 ${ready.p90} s, p99 ${ready.p99} s, max ${ready.max} s`,
  );
  if (report.podsWaitingForBranch > 0) {
    lines.push(
      `Scheduled pods still waiting for a branch interface: ${report.podsWaitingForBranch}`,
    );
  }
  if (report.podsPending > 0)
    lines.push(`Pods no node could take (pending): ${report.podsPending}`);
  lines.push(`Leaked interfaces: ${report.leakedInterfaces}`);
  if (report.confirmedRelease !== undefined) {
    const { releasesConfirmed, cooldownsExpired } = report.confirmedRelease;
    lines.push(
      `Cooldowns ended by the node agents' confirmed release: ${releasesConfirmed} (${cooldownsExpired} ran their whole length)`,
    );
  }
  const warnings = collapseWarnings(report.events);
  if (warnings.length > 0) {
    const total = warnings.reduce((sum, warning) => sum + warning.count, 0);
    lines.push('', `Warnings (${total}, by reason; every event is in --json):`);
    for (const { reason, count, firstAt, lastAt, first } of warnings) {
      lines.push(
        count === 1
          ? `  ${first.at.toFixed(1).padStart(7)} s  ${first.object}  ${reason}: ${first.message}`
          : `  ${count} × ${reason}  ${span(firstAt, lastAt)}, first ${first.object}: ${first.message}`,
      );
    }
  }
  if (report.scenarioWarnings.length > 0) {
    lines.push('', 'Scenario steps with nothing to act on:');
    appendAll(
      lines,
      report.scenarioWarnings.map((w) => `  ${w}`),
    );
  }
  lines.push(
    '',
    report.violations.length === 0
      ? 'Invariants: all held (unique VLANs, one interface per pod, resolved groups, capacity).'
      : `Invariants VIOLATED (${report.violations.length}):`,
  );
  appendAll(
    lines,
    report.violations.map((violation) => `  ${violation}`),
  );
  return `${lines.join('\n')}\n`;
}

/** `at 12.3 s` or `12.3 s … 45.6 s`. */
function span(firstAt: number, lastAt: number): string {
  return firstAt === lastAt
    ? `at ${firstAt.toFixed(1)} s`
    : `${firstAt.toFixed(1)} s … ${lastAt.toFixed(1)} s`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    maxOf(
      rows.map((row) => (row[column] ?? '').length),
      title.length,
    ),
  );
  const render = (row: readonly string[]): string =>
    `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return appendAll([render(header)], rows.map(render));
}
