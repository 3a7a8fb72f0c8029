import { appendAll } from '../../collections/appendAll.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { explainPod } from './calculations/explainPod.js';
import { explainReach } from './calculations/explainReach.js';
import { formatExplainReachReport } from './calculations/formatExplainReachReport.js';
import { parseReachTarget } from './calculations/parseReachTarget.js';
import { readPodAddress } from './calculations/readPodAddress.js';
import { formatExplainReport } from './calculations/formatExplainReport.js';
import { selectPod } from './calculations/selectPod.js';
import { selectServiceAccount } from './calculations/selectServiceAccount.js';
import { readManifestFiles } from './io/readManifestFiles.js';
import { readSecurityGroupsFile } from './io/readSecurityGroupsFile.js';
import type { ExplainOptions } from './models/ExplainOptions.js';
import type { ManifestDocument } from './models/ManifestDocument.js';

/**
 * `podsgd explain`: reads the files, explains, prints the report (text or JSON) to stdout.
 * Succeeds, with exit status 0, even when no policy matches or some policies are invalid:
 * those are findings, reported in the output. With `--reach`, also judges the flow from the pod
 * to `--to` under the groups of `--security-groups`; allowed or not, the status is 0.
 *
 * @throws PodsgdCliError (exit status 2) for unreadable files, an unusable pod, service account
 * or security groups file, and a bad `--reach`/`--to`/`--security-groups` combination.
 */
export async function runExplain(options: ExplainOptions, context: CliContext): Promise<void> {
  const reach = readReachOptions(options);
  const podDocuments = await readManifestFiles(options.pod, context.cwd);
  const pod = selectPod(podDocuments, options.pod, options.namespace);
  const serviceAccount =
    options.serviceAccount === undefined
      ? null
      : selectServiceAccount(
          await readManifestFiles(options.serviceAccount, context.cwd),
          options.serviceAccount,
          pod,
          options.namespace,
        );
  const policyDocuments: ManifestDocument[] = [];
  for (const path of options.policies) {
    appendAll(policyDocuments, await readManifestFiles(path, context.cwd));
  }
  const report = explainPod({
    pod,
    serviceAccount,
    policyDocuments,
    defaultNamespace: options.namespace,
  });
  if (reach === null) {
    context.stdout(
      options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatExplainReport(report),
    );
    return;
  }
  const { securityGroups, interfaces } = await readSecurityGroupsFile(reach.file, context.cwd);
  const reachReport = explainReach({
    explain: report,
    podAddress: readPodAddress(podDocuments, pod),
    target: reach.target,
    securityGroups,
    interfaces,
    securityGroupsFile: reach.file,
  });
  context.stdout(
    options.json === true
      ? `${JSON.stringify(reachReport, null, 2)}\n`
      : formatExplainReachReport(reachReport),
  );
}

/** `--reach` with its `--to` and `--security-groups`, checked before any file is read; null without `--reach`. */
function readReachOptions(options: ExplainOptions) {
  if (options.reach !== true) {
    if (options.to !== undefined || options.securityGroups !== undefined) {
      throw new PodsgdCliError('Usage', '--to and --security-groups go with --reach');
    }
    return null;
  }
  const missing = [
    options.to === undefined ? '--to <sg-id|ip>:<port>[/tcp|udp]' : null,
    options.securityGroups === undefined ? '--security-groups <file>' : null,
  ].filter((option) => option !== null);
  if (options.to === undefined || options.securityGroups === undefined) {
    throw new PodsgdCliError('Usage', `--reach needs ${missing.join(' and ')}`);
  }
  return { target: parseReachTarget(options.to), file: options.securityGroups };
}
