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
import { describeEc2Source, readSecurityGroupsFromEc2 } from './io/readSecurityGroupsFromEc2.js';
import type { ExplainOptions } from './models/ExplainOptions.js';
import type { ManifestDocument } from './models/ManifestDocument.js';

/**
 * `podsgd explain`: reads the files, explains, prints the report (text or JSON) to stdout.
 * Succeeds, with exit status 0, even when no policy matches or some policies are invalid:
 * those are findings, reported in the output. With `--reach`, also judges the flow from the pod
 * to `--to` under the groups of `--security-groups`, or of EC2 (`--ec2-endpoint`/`--region`);
 * allowed or not, the status is 0.
 *
 * @throws PodsgdCliError (exit status 2) for unreadable files, an unusable pod, service account
 * or security groups file, a bad `--reach`/`--to`/`--security-groups`/EC2 combination, and
 * EC2 errors (code and message).
 */
export async function runExplain(options: ExplainOptions, context: CliContext): Promise<void> {
  const reach = readReachOptions(options, process.env);
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
  const { securityGroups, interfaces } =
    reach.ec2 === null
      ? await readSecurityGroupsFile(reach.file, context.cwd)
      : await readSecurityGroupsFromEc2(reach.ec2, report.result.groupIds, reach.target);
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

/**
 * `--reach` with its `--to` and exactly one source of groups (`--security-groups`, or EC2 by
 * `--ec2-endpoint`/`--region`), checked before any file is read; null without `--reach`.
 */
function readReachOptions(options: ExplainOptions, env: NodeJS.ProcessEnv) {
  const ec2Chosen = options.ec2Endpoint !== undefined || options.region !== undefined;
  if (options.reach !== true) {
    if (options.to !== undefined || options.securityGroups !== undefined || ec2Chosen) {
      throw new PodsgdCliError(
        'Usage',
        '--to, --security-groups, --ec2-endpoint and --region go with --reach',
      );
    }
    return null;
  }
  if (options.to === undefined) {
    throw new PodsgdCliError('Usage', '--reach needs --to <sg-id|ip>:<port>[/tcp|udp]');
  }
  if ((options.securityGroups !== undefined) === ec2Chosen) {
    throw new PodsgdCliError(
      'Usage',
      '--reach needs exactly one source of security groups: --security-groups <file>, or EC2 ' +
        'with --ec2-endpoint <url> and/or --region <region>',
    );
  }
  const target = parseReachTarget(options.to);
  if (options.securityGroups !== undefined) {
    return { target, file: options.securityGroups, ec2: null };
  }
  const region = options.region ?? env['AWS_REGION'];
  if (region === undefined || region === '') {
    throw new PodsgdCliError('Usage', '--ec2-endpoint needs --region <region> or AWS_REGION');
  }
  const ec2 = {
    region,
    ...(options.ec2Endpoint === undefined ? {} : { endpoint: readEndpoint(options.ec2Endpoint) }),
  };
  return { target, file: describeEc2Source(ec2), ec2 };
}

function readEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PodsgdCliError('Usage', `--ec2-endpoint: '${text}' is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PodsgdCliError('Usage', `--ec2-endpoint: '${text}' is not an http(s) URL`);
  }
  return text;
}
