// The product of this package is its executables (`podsgd`, `podsg-cni`), not a library.
// Only types are exported, for programs that read `podsgd explain --json`; importing
// this module loads nothing.
export type {
  ExplainedPod,
  ExplainedServiceAccount,
  ExplainReport,
  IgnoredDocument,
  InvalidPolicy,
  PolicyExplanation,
  SelectorExplanation,
  TermExplanation,
} from './commands/explain/models/ExplainReport.js';
export type { ManifestSource } from './commands/explain/models/ManifestSource.js';
export type { ExplainReachReport } from './commands/explain/models/ExplainReachReport.js';
export type { ReachTarget } from './commands/explain/models/ReachTarget.js';
