import type { SimulationReport } from '../models/SimulationReport.js';

/**
 * The operator's view of a simulation report: pods with their groups, interface, VLAN and
 * ready time; EC2 calls and throttles; pod-ready percentiles; leaks and violations.
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
  lines.push(
    ...table(
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
  const warnings = report.events.filter((event) => event.type === 'Warning');
  if (warnings.length > 0) {
    lines.push('', `Warnings (${warnings.length}):`);
    for (const event of warnings.slice(0, 10)) {
      lines.push(
        `  ${event.at.toFixed(1).padStart(7)} s  ${event.object}  ${event.reason}: ${event.message}`,
      );
    }
    if (warnings.length > 10) lines.push(`  … and ${warnings.length - 10} more (see --json)`);
  }
  if (report.scenarioWarnings.length > 0) {
    lines.push(
      '',
      'Scenario steps with nothing to act on:',
      ...report.scenarioWarnings.map((w) => `  ${w}`),
    );
  }
  lines.push(
    '',
    report.violations.length === 0
      ? 'Invariants: all held (unique VLANs, one interface per pod, resolved groups, capacity).'
      : `Invariants VIOLATED (${report.violations.length}):`,
    ...report.violations.map((violation) => `  ${violation}`),
  );
  return `${lines.join('\n')}\n`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (row: readonly string[]): string =>
    `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd();
  return [render(header), ...rows.map(render)];
}
