import { appendAll } from '../../collections/appendAll.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { explainPod } from './calculations/explainPod.js';
import { formatExplainReport } from './calculations/formatExplainReport.js';
import { selectPod } from './calculations/selectPod.js';
import { selectServiceAccount } from './calculations/selectServiceAccount.js';
import { readManifestFiles } from './io/readManifestFiles.js';
import type { ExplainOptions } from './models/ExplainOptions.js';
import type { ManifestDocument } from './models/ManifestDocument.js';

/**
 * `podsgd explain`: reads the files, explains, prints the report (text or JSON) to stdout.
 * Succeeds, with exit status 0, even when no policy matches or some policies are invalid:
 * those are findings, reported in the output.
 *
 * @throws PodsgdCliError (exit status 2) for unreadable files and an unusable pod or
 * service account file.
 */
export async function runExplain(options: ExplainOptions, context: CliContext): Promise<void> {
  const pod = selectPod(
    await readManifestFiles(options.pod, context.cwd),
    options.pod,
    options.namespace,
  );
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
  context.stdout(
    options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatExplainReport(report),
  );
}
