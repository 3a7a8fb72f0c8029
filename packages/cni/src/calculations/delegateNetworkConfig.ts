import type { NetworkConfig } from '../models/NetworkConfig.js';

/**
 * The network configuration podsg-cni hands its delegate, following the CNI delegation
 * conventions: the `delegate` object, with the parent's `cniVersion` and `name` (which always win),
 * and the parent's `prevResult`, `runtimeConfig`, `args` and GC's `cni.dev/valid-attachments`
 * when present. Null when there is no delegate.
 */
export function delegateNetworkConfig(config: NetworkConfig): Record<string, unknown> | null {
  if (config.delegate === undefined) return null;
  const delegated: Record<string, unknown> = {
    ...config.delegate,
    cniVersion: config.cniVersion,
    name: config.name,
  };
  if (config.prevResult !== undefined) delegated.prevResult = config.prevResult;
  if (config.runtimeConfig !== undefined && delegated.runtimeConfig === undefined) {
    delegated.runtimeConfig = config.runtimeConfig;
  }
  if (config.args !== undefined && delegated.args === undefined) delegated.args = config.args;
  if (config.validAttachments !== undefined) {
    delegated['cni.dev/valid-attachments'] = config.validAttachments;
  }
  return delegated;
}
