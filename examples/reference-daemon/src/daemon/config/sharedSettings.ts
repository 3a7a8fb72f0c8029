import { parse } from './readSetting.js';
import { optional } from './SettingSpec.js';
import type { SettingSpec } from './SettingSpec.js';

/** `--kubeconfig`, the same for every podsgd command that talks to the API server. */
export const kubeconfigSetting = optional({
  flag: '--kubeconfig <file>',
  env: ['PODSG_KUBECONFIG', 'KUBECONFIG'],
  description: 'kubeconfig file (default: the in-cluster service account)',
  parse: parse.text,
});

/** `--log-level`, the same for every long-running podsgd command. */
export const logLevelSetting = {
  flag: '--log-level <level>',
  env: ['PODSG_LOG_LEVEL'],
  description: 'log level',
  parse: parse.oneOf(['debug', 'info', 'warn', 'error'] as const),
  fallback: 'info' as const,
} satisfies SettingSpec<unknown>;
