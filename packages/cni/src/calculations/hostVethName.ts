import type { EnforcingMode } from '../models/NetworkConfig.js';

/** The host veth name of a pod. */
export function hostVethName(
  _mode: EnforcingMode,
  _podNamespace: string,
  _podName: string,
  _vethPrefix = 'eni',
): string {
  throw new Error('not implemented yet');
}
