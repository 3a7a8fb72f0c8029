import type { RuleReference, SideVerdict } from '@podsg/policy';
import type { ExplainReachReport } from '../models/ExplainReachReport.js';
import { alignColumns } from './alignColumns.js';
import { formatExplainReport } from './formatExplainReport.js';

/**
 * Renders an {@link ExplainReachReport} for a terminal: the policy report as `podsgd explain`
 * prints it, then the flow, each side marked ✓ (the allowing rule), ✗ (why none does, with the
 * nearest misses) or - (not modelled), the notes and the verdict. Ends with a newline.
 */
export function formatExplainReachReport(report: ExplainReachReport): string {
  const { pod, target, sides } = report;
  const lines: string[] = [];
  const podName = `pod ${pod.namespace}/${pod.name ?? '(unnamed)'}`;
  const from =
    pod.address === null
      ? `${podName} (address unknown)`
      : `${podName} (${pod.address}, from its ${pod.addressSource ?? 'manifest'})`;
  const to =
    target.kind === 'group'
      ? `an interface carrying ${groupLabel(target.groupId, target.groupName)}`
      : target.address;
  lines.push(`Reachability: ${target.protocol} ${target.port} from ${from}`);
  lines.push(`              to ${to}`);

  const rows: string[][] = [];
  const details: string[][] = [];
  for (const side of [sides.egress, sides.ingress]) {
    rows.push(sideRow(side));
    details.push(
      side.outcome === 'denied'
        ? side.nearMisses.map((miss) => `      nearest: ${ruleLabel(miss.rule)}: ${miss.mismatch}`)
        : [],
    );
  }
  alignColumns(rows).forEach((row, index) => {
    lines.push(row, ...(details[index] ?? []));
  });

  if (report.notes.length > 0) {
    lines.push('', 'Notes:', ...report.notes.map((note) => `  ! ${note}`));
  }
  lines.push('', `Verdict: ${verdictLine(report)}`);
  return `${formatExplainReport(report.explain)}\n${lines.join('\n')}\n`;
}

function sideRow(side: SideVerdict): string[] {
  const direction = side.direction.padEnd(7);
  if (side.outcome === 'not-modelled') return [`  - ${direction}`, `not modelled: ${side.reason}`];
  if (side.outcome === 'denied') return [`  ✗ ${direction}`, side.reason];
  return [`  ✓ ${direction}`, ruleLabel(side.rule)];
}

/** `sg-… (name) IpPermissions[0]: tcp 5432 from sg-… (name)`. */
function ruleLabel(rule: RuleReference): string {
  const field = rule.direction === 'ingress' ? 'IpPermissions' : 'IpPermissionsEgress';
  return `${groupLabel(rule.groupId, rule.groupName)} ${field}[${rule.permissionIndex}]: ${rule.summary}`;
}

function groupLabel(groupId: string, groupName: string | null): string {
  return groupName === null ? groupId : `${groupId} (${groupName})`;
}

function verdictLine(report: ExplainReachReport): string {
  if (report.allowed) {
    return 'allowed: the flow may start, and its replies pass (security groups are stateful)';
  }
  const denied = [report.sides.egress, report.sides.ingress]
    .filter((side) => side.outcome === 'denied')
    .map((side) =>
      side.direction === 'egress' ? "the pod's egress rules" : "the target's ingress rules",
    );
  return `denied by ${denied.join(' and ')}: packets are dropped, so a connection times out`;
}
