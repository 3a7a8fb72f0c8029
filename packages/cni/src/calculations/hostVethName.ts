import { CniError } from '../errors/CniError.js';
import type { EnforcingMode } from '../models/NetworkConfig.js';
import { sha1Hex } from './sha1Hex.js';

/** The host veth prefix strict mode always uses, as the AWS VPC CNI does. */
export const STRICT_MODE_VETH_PREFIX = 'vlan';

/**
 * The host-side veth name of a pod: the prefix plus the first 11 hex digits of
 * sha1(`<namespace>.<pod>`), as the AWS VPC CNI names it (docs/architecture.md, "Pod networking"). The prefix is
 * `vlan` in strict mode and `vethPrefix` in standard mode, so names stay within the kernel's 15
 * characters. Throws `CniError` `InvalidPlanInput` for an empty pod name or namespace or a prefix
 * that is not 1..4 characters of `[a-z0-9]`.
 */
export function hostVethName(
  mode: EnforcingMode,
  podNamespace: string,
  podName: string,
  vethPrefix = 'eni',
): string {
  if (podNamespace === '') {
    throw new CniError('InvalidPlanInput', 'podNamespace must not be empty');
  }
  if (podName === '') throw new CniError('InvalidPlanInput', 'podName must not be empty');
  const prefix = mode === 'strict' ? STRICT_MODE_VETH_PREFIX : vethPrefix;
  if (!/^[a-z0-9]{1,4}$/.test(prefix)) {
    throw new CniError(
      'InvalidPlanInput',
      `vethPrefix ${JSON.stringify(prefix)} must be 1 to 4 characters of [a-z0-9]`,
    );
  }
  return prefix + sha1Hex(`${podNamespace}.${podName}`).slice(0, 11);
}
