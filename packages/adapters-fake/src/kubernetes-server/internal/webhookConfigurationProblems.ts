import { isJsonObject, objectAt, stringAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'];

/**
 * The problems of a Mutating/ValidatingWebhookConfiguration as `admissionregistration.k8s.io/v1`
 * validation reports them (field and message); empty when it is acceptable.
 */
export function webhookConfigurationProblems(
  configuration: KubernetesObject,
  kind: string,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const webhooks = configuration['webhooks'];
  if (webhooks === undefined || webhooks === null) return problems;
  if (!Array.isArray(webhooks))
    return [{ field: 'webhooks', message: 'Invalid value: must be a list' }];
  const names = new Set<string>();
  webhooks.forEach((webhook: unknown, index) => {
    const at = (field: string): string => `webhooks[${index}].${field}`;
    const add = (field: string, message: string): void => {
      problems.push({ field: at(field), message });
    };
    if (!isJsonObject(webhook)) {
      problems.push({ field: `webhooks[${index}]`, message: 'Invalid value: must be an object' });
      return;
    }
    const name = stringAt(webhook, 'name');
    if (name === undefined || name === '') add('name', 'Required value');
    else if (name.split('.').length < 3)
      add(
        'name',
        `Invalid value: ${JSON.stringify(name)}: should be a domain with at least three segments separated by dots`,
      );
    else if (names.has(name)) add('name', `Duplicate value: ${JSON.stringify(name)}`);
    else names.add(name);
    const clientConfig = objectAt(webhook, 'clientConfig');
    const url = stringAt(clientConfig, 'url');
    const service = objectAt(clientConfig, 'service');
    if ((url === undefined) === (service === undefined)) {
      add('clientConfig', 'Required value: exactly one of url or service is required');
    } else if (url !== undefined) {
      let parsed: URL | null = null;
      try {
        parsed = new URL(url);
      } catch {
        add('clientConfig.url', `Invalid value: ${JSON.stringify(url)}: must be a valid URL`);
      }
      if (parsed !== null && parsed.protocol !== 'https:')
        add(
          'clientConfig.url',
          `Unsupported value: ${JSON.stringify(parsed.protocol.slice(0, -1))}: supported values: "https"`,
        );
      if (
        parsed !== null &&
        (parsed.username !== '' || parsed.hash !== '' || parsed.search !== '')
      ) {
        add(
          'clientConfig.url',
          'Invalid value: user information, fragments and query parameters are not permitted',
        );
      }
    }
    const caBundle = clientConfig?.['caBundle'];
    if (
      caBundle !== undefined &&
      (typeof caBundle !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(caBundle))
    ) {
      add('clientConfig.caBundle', 'Invalid value: must be base64');
    }
    const sideEffects = webhook['sideEffects'];
    if (sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') {
      add(
        'sideEffects',
        sideEffects === undefined
          ? 'Required value: must specify one of None, NoneOnDryRun'
          : `Unsupported value: ${JSON.stringify(sideEffects)}: supported values: "None", "NoneOnDryRun"`,
      );
    }
    const versions = webhook['admissionReviewVersions'];
    if (!Array.isArray(versions) || versions.length === 0)
      add('admissionReviewVersions', 'Required value: must specify one of v1, v1beta1');
    else if (!versions.includes('v1') && !versions.includes('v1beta1'))
      add('admissionReviewVersions', 'Invalid value: must include at least one of v1, v1beta1');
    enumProblem(webhook, 'failurePolicy', ['Fail', 'Ignore'], add);
    enumProblem(webhook, 'matchPolicy', ['Exact', 'Equivalent'], add);
    if (kind === 'MutatingWebhookConfiguration')
      enumProblem(webhook, 'reinvocationPolicy', ['Never', 'IfNeeded'], add);
    const timeout = webhook['timeoutSeconds'];
    if (
      timeout !== undefined &&
      (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 30)
    ) {
      add(
        'timeoutSeconds',
        `Invalid value: ${JSON.stringify(timeout)}: the timeout value must be between 1 and 30 seconds`,
      );
    }
    const rules = webhook['rules'];
    if (rules !== undefined && !Array.isArray(rules)) add('rules', 'Invalid value: must be a list');
    if (Array.isArray(rules)) {
      rules.forEach((rule: unknown, r) => {
        if (!isJsonObject(rule)) {
          add(`rules[${r}]`, 'Invalid value: must be an object');
          return;
        }
        const operations = rule['operations'];
        if (!Array.isArray(operations) || operations.length === 0)
          add(`rules[${r}].operations`, 'Required value');
        else
          operations.forEach((op: unknown, o) => {
            if (!OPERATIONS.includes(op as string))
              add(
                `rules[${r}].operations[${o}]`,
                `Unsupported value: ${JSON.stringify(op)}: supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"`,
              );
          });
        for (const field of ['apiGroups', 'apiVersions', 'resources']) {
          const list = rule[field];
          if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string'))
            add(`rules[${r}].${field}`, 'Required value');
        }
        enumProblem(rule, 'scope', ['Cluster', 'Namespaced', '*'], (f, m) => {
          add(`rules[${r}].${f}`, m);
        });
      });
    }
  });
  return problems;
}

function enumProblem(
  object: KubernetesObject,
  field: string,
  allowed: readonly string[],
  add: (field: string, message: string) => void,
): void {
  const value = object[field];
  if (value !== undefined && !allowed.includes(value as string)) {
    add(
      field,
      `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
    );
  }
}
