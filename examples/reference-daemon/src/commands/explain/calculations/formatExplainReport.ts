import type {
  ExplainReport,
  PolicyExplanation,
  SelectorExplanation,
} from '../models/ExplainReport.js';
import { appendAll } from '../../../collections/appendAll.js';
import { maxOf } from '../../../collections/maxOf.js';
import { alignColumns } from './alignColumns.js';
import { describeManifestSource } from './describeManifestSource.js';

const matchedMark = '✓';
const failedMark = '✗';
const neutralMark = '-';

/**
 * Renders an {@link ExplainReport} for a terminal: the pod, each policy of its namespace
 * with every selector and term marked ✓/✗ and why, policies of other namespaces,
 * invalid and ignored documents, notes, and finally the matching policies and the
 * security groups. Ends with a newline.
 */
export function formatExplainReport(report: ExplainReport): string {
  const { pod, serviceAccount } = report;
  const lines: string[] = [];
  const podName = `${pod.namespace}/${pod.name ?? '(unnamed)'}`;
  lines.push(`Pod ${podName}  from ${describeManifestSource(pod.source)}`);
  appendAll(
    lines,
    alignColumns([
      ['  labels:', formatLabels(pod.labels)],
      [
        '  service account:',
        serviceAccount === null
          ? `${pod.namespace}/${pod.serviceAccountName}  labels unknown (no --service-account given)`
          : `${serviceAccount.namespace}/${serviceAccount.name}  ${formatLabels(serviceAccount.labels)}` +
            `  from ${describeManifestSource(serviceAccount.source)}`,
      ],
    ]),
  );

  const applicable = report.policies.filter((policy) => policy.applicable);
  const others = report.policies.filter((policy) => !policy.applicable);
  lines.push('', `Policies in namespace ${pod.namespace}:`);
  if (applicable.length === 0) lines.push('  (none)');
  // One width for names and one for terms across the section, so all columns line up.
  const nameWidth = maxOf(applicable.map((policy) => policy.name.length));
  const termWidth = maxOf(
    applicable.flatMap((policy) =>
      policy.selectors.flatMap((selector) => selector.terms.map((term) => term.requirement.length)),
    ),
  );
  for (const policy of applicable) {
    appendAll(lines, formatApplicablePolicy(policy, nameWidth, termWidth));
  }

  if (others.length > 0) {
    lines.push('', 'Policies in other namespaces (not applicable):');
    appendAll(
      lines,
      alignColumns(
        others.map((policy) => [
          `  ${neutralMark} ${policy.namespace}/${policy.name}`,
          policy.reason,
        ]),
      ),
    );
  }

  if (report.invalidPolicies.length > 0) {
    lines.push('', 'Invalid policies (skipped):');
    for (const invalid of report.invalidPolicies) {
      const label = invalid.policy === null ? '' : `  ${invalid.policy}`;
      lines.push(`  ${failedMark} ${describeManifestSource(invalid.source)}${label}`);
      appendAll(
        lines,
        alignColumns(invalid.issues.map((issue) => [`      ${issue.path}`, issue.message])),
      );
    }
  }

  if (report.ignoredDocuments.length > 0) {
    lines.push('', 'Ignored documents:');
    appendAll(
      lines,
      alignColumns(
        report.ignoredDocuments.map((ignored) => [
          `  ${neutralMark} ${describeManifestSource(ignored.source)}`,
          `${ignored.object}: ${ignored.reason}`,
        ]),
      ),
    );
  }

  if (report.notes.length > 0) {
    lines.push('', 'Notes:');
    appendAll(
      lines,
      report.notes.map((note) => `  ! ${note}`),
    );
  }

  const { groupIds, policies } = report.result;
  lines.push('');
  lines.push(
    `Result: ${policies.length} of ${applicable.length} ${
      applicable.length === 1 ? 'policy' : 'policies'
    } in namespace ${pod.namespace} ${policies.length === 1 ? 'matches' : 'match'}` +
      (policies.length === 0 ? '' : `: ${policies.map((policy) => policy.name).join(', ')}`),
  );
  lines.push(
    groupIds.length === 0
      ? "Security groups: none (the pod gets no branch ENI and keeps the node's groups)"
      : `Security groups: ${groupIds.join(', ')}`,
  );
  return lines.join('\n') + '\n';
}

function formatApplicablePolicy(
  policy: PolicyExplanation,
  nameWidth: number,
  termWidth: number,
): string[] {
  const verdict = policy.matched ? `${matchedMark} MATCH   ` : `${failedMark} NO MATCH`;
  const lines = [
    `  ${verdict}  ${policy.name.padEnd(nameWidth)}  ${policy.groupIds.join(', ')}`.trimEnd(),
  ];
  const selectorRows = alignColumns(
    policy.selectors.map((selector) => [
      `      ${selectorMark(selector)} ${selector.field}`,
      selector.reason,
    ]),
  );
  policy.selectors.forEach((selector, index) => {
    lines.push(selectorRows[index] ?? '');
    for (const term of selector.terms) {
      const mark = term.matched ? matchedMark : failedMark;
      lines.push(`          ${mark} ${term.requirement.padEnd(termWidth)}  ${term.reason}`);
    }
  });
  return lines;
}

function selectorMark(selector: SelectorExplanation): string {
  return selector.outcome === 'matched'
    ? matchedMark
    : selector.outcome === 'not-set'
      ? neutralMark
      : failedMark;
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? '(no labels)'
    : entries.map(([key, value]) => `${key}=${value === '' ? '""' : value}`).join(', ');
}
