import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { applyJsonPatch, labelSelectorMatches } from '@podsg/policy';
import type { JsonPatchOperation } from '@podsg/policy';
import { isJsonObject, objectAt, stringAt, stringMapAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import type { FakeKubernetesUser } from '../models/FakeKubernetesServerOptions.js';
import { KubernetesStatusFailure } from './KubernetesStatusFailure.js';
import { apiVersionOf } from './resourceCatalog.js';
import type { ServedResource } from './resourceCatalog.js';

/** One webhook call the server made, for inspection. */
export interface AdmissionCall {
  /** The webhook's name (`pod-sg-mutation.podsg.io`). */
  webhook: string;
  /** The configuration's name. */
  configuration: string;
  phase: 'mutating' | 'validating';
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** `pods`, `pods/status`, `securitygrouppolicies`, … */
  resource: string;
  namespace: string | null;
  name: string;
  /** `allowed`, `patched`, `denied`, `failed` (failure policy Fail), `ignored` (failed, policy Ignore). */
  outcome: 'allowed' | 'patched' | 'denied' | 'failed' | 'ignored';
  message?: string;
}

/** What admission needs to know about a request. */
export interface AdmissionInput {
  configurations: { mutating: KubernetesObject[]; validating: KubernetesObject[] };
  namespaceLabels: (namespace: string) => Record<string, string> | null;
  resource: ServedResource;
  version: string;
  subresource: 'status' | null;
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  object: KubernetesObject | null;
  oldObject: KubernetesObject | null;
  namespace: string | null;
  name: string;
  user: FakeKubernetesUser;
  record: (call: AdmissionCall) => void;
}

/**
 * Admission as the API server runs it: every matching mutating webhook in turn (configurations
 * by name, webhooks in order), each JSONPatch applied before the next call, then every matching
 * validating webhook in parallel. Resolves to the (mutated) object; throws the Status the API
 * server answers: the webhook's denial (default 403), or 500 when a webhook with failure policy
 * `Fail` cannot be called or answers nonsense.
 */
export async function runAdmission(input: AdmissionInput): Promise<KubernetesObject> {
  let object = input.object;
  const byName = (a: KubernetesObject, b: KubernetesObject): number =>
    (stringAt(objectAt(a, 'metadata'), 'name') ?? '').localeCompare(
      stringAt(objectAt(b, 'metadata'), 'name') ?? '',
    );
  for (const configuration of [...input.configurations.mutating].sort(byName)) {
    for (const webhook of webhooksOf(configuration)) {
      if (!matches(webhook, input, object)) continue;
      const response = await callWebhook(webhook, configuration, 'mutating', input, object);
      if (response === null) continue;
      const patch = response['patch'];
      if (patch === undefined || patch === null || input.operation === 'DELETE') continue;
      object = applyWebhookPatch(webhook, object ?? {}, patch, response['patchType']);
    }
  }
  const validating = input.configurations.validating.flatMap((configuration) =>
    webhooksOf(configuration)
      .filter((webhook) => matches(webhook, input, object))
      .map((webhook) => callWebhook(webhook, configuration, 'validating', input, object)),
  );
  await Promise.all(validating);
  return object ?? input.oldObject ?? {};
}

function webhooksOf(configuration: KubernetesObject): KubernetesObject[] {
  const webhooks = configuration['webhooks'];
  return Array.isArray(webhooks) ? webhooks.filter(isJsonObject) : [];
}

function matches(
  webhook: KubernetesObject,
  input: AdmissionInput,
  object: KubernetesObject | null,
): boolean {
  const rules = webhook['rules'];
  if (!Array.isArray(rules) || !rules.some((rule) => ruleMatches(rule, webhook, input)))
    return false;
  // A namespace selector applies to namespaced objects, and to Namespace objects themselves.
  const namespaceSelector = objectAt(webhook, 'namespaceSelector');
  if (namespaceSelector !== undefined) {
    const isNamespace = input.resource.group === '' && input.resource.resource === 'namespaces';
    if (input.resource.namespaced || isNamespace) {
      const labels = isNamespace
        ? stringMapAt(objectAt(object ?? input.oldObject, 'metadata'), 'labels')
        : input.namespaceLabels(input.namespace ?? '');
      if (!labelSelectorMatches(namespaceSelector, labels ?? {})) return false;
    }
  }
  const objectSelector = objectAt(webhook, 'objectSelector');
  if (objectSelector !== undefined) {
    const candidates = [object, input.oldObject].filter((o): o is KubernetesObject => o !== null);
    if (
      !candidates.some((o) =>
        labelSelectorMatches(objectSelector, stringMapAt(objectAt(o, 'metadata'), 'labels')),
      )
    ) {
      return false;
    }
  }
  return true;
}

function ruleMatches(rule: unknown, webhook: KubernetesObject, input: AdmissionInput): boolean {
  if (!isJsonObject(rule)) return false;
  const list = (field: string): string[] =>
    Array.isArray(rule[field])
      ? (rule[field] as unknown[]).filter((v): v is string => typeof v === 'string')
      : [];
  const has = (field: string, value: string): boolean =>
    list(field).some((v) => v === '*' || v === value);
  if (!has('operations', input.operation)) return false;
  if (!has('apiGroups', input.resource.group)) return false;
  const exact = webhook['matchPolicy'] === 'Exact';
  // Equivalent (the default) matches the resource through any version it is served in.
  if (
    exact
      ? !has('apiVersions', input.version)
      : !input.resource.versions.some((v) => has('apiVersions', v))
  )
    return false;
  const resource = input.resource.resource;
  const sub = input.subresource;
  const resourceMatches = list('resources').some((entry) => {
    const [name, subName] = entry.split('/');
    if (name !== '*' && name !== resource) return false;
    if (sub === null) return subName === undefined;
    return subName === '*' || subName === sub;
  });
  if (!resourceMatches) return false;
  const scope = rule['scope'] ?? '*';
  if (scope === 'Namespaced' && !input.resource.namespaced) return false;
  if (scope === 'Cluster' && input.resource.namespaced) return false;
  return true;
}

/** Calls one webhook; null when it failed and its failure policy is Ignore. */
async function callWebhook(
  webhook: KubernetesObject,
  configuration: KubernetesObject,
  phase: 'mutating' | 'validating',
  input: AdmissionInput,
  object: KubernetesObject | null,
): Promise<KubernetesObject | null> {
  const name = stringAt(webhook, 'name') ?? '';
  const call: AdmissionCall = {
    webhook: name,
    configuration: stringAt(objectAt(configuration, 'metadata'), 'name') ?? '',
    phase,
    operation: input.operation,
    resource:
      input.subresource === null
        ? input.resource.resource
        : `${input.resource.resource}/${input.subresource}`,
    namespace: input.namespace,
    name: input.name,
    outcome: 'allowed',
  };
  const uid = randomUUID();
  const gvk = { group: input.resource.group, version: input.version, kind: input.resource.kind };
  const gvr = {
    group: input.resource.group,
    version: input.version,
    resource: input.resource.resource,
  };
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      ...(input.subresource === null
        ? {}
        : { subResource: input.subresource, requestSubResource: input.subresource }),
      requestKind: gvk,
      requestResource: gvr,
      name: input.name,
      ...(input.namespace === null ? {} : { namespace: input.namespace }),
      operation: input.operation,
      userInfo: { username: input.user.username, groups: [...input.user.groups] },
      object:
        object === null
          ? null
          : { ...object, apiVersion: apiVersionOf(input.resource.group, input.version) },
      oldObject: input.oldObject,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind:
          input.operation === 'CREATE'
            ? 'CreateOptions'
            : input.operation === 'UPDATE'
              ? 'UpdateOptions'
              : 'DeleteOptions',
      },
    },
  };
  let response: KubernetesObject;
  try {
    response = await post(webhook, review, uid);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (webhook['failurePolicy'] === 'Ignore') {
      input.record({ ...call, outcome: 'ignored', message });
      return null;
    }
    input.record({ ...call, outcome: 'failed', message });
    throw new KubernetesStatusFailure(
      500,
      'InternalError',
      `Internal error occurred: failed calling webhook "${name}": ${message}`,
    );
  }
  if (response['allowed'] !== true) {
    const status = objectAt(response, 'status');
    const reason = stringAt(status, 'message');
    const message = `admission webhook "${name}" denied the request${reason === undefined || reason === '' ? ' without explanation' : `: ${reason}`}`;
    input.record({ ...call, outcome: 'denied', message });
    const code =
      typeof status?.['code'] === 'number' && status['code'] >= 400 ? status['code'] : 403;
    throw new KubernetesStatusFailure(
      code,
      stringAt(status, 'reason') ?? (code === 403 ? 'Forbidden' : 'BadRequest'),
      message,
    );
  }
  input.record({
    ...call,
    outcome: response['patch'] === undefined || response['patch'] === null ? 'allowed' : 'patched',
  });
  return response;
}

function applyWebhookPatch(
  webhook: KubernetesObject,
  object: KubernetesObject,
  patch: unknown,
  patchType: unknown,
): KubernetesObject {
  const name = stringAt(webhook, 'name') ?? '';
  const fail = (why: string): never => {
    throw new KubernetesStatusFailure(
      500,
      'InternalError',
      `Internal error occurred: admission webhook "${name}" returned an unusable patch: ${why}`,
    );
  };
  if (patchType !== 'JSONPatch') fail(`patchType ${JSON.stringify(patchType)} is not JSONPatch`);
  if (typeof patch !== 'string') return fail('patch is not a base64 string');
  let operations: unknown;
  try {
    operations = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(operations)) return fail('patch is not a list of operations');
  try {
    const patched = applyJsonPatch(object, operations as JsonPatchOperation[]);
    return isJsonObject(patched) ? patched : fail('patch did not produce an object');
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/** POSTs the review over HTTPS, trusting `caBundle` (else the system's CAs), within the webhook's timeout. */
function post(webhook: KubernetesObject, review: unknown, uid: string): Promise<KubernetesObject> {
  const clientConfig = objectAt(webhook, 'clientConfig');
  const url = stringAt(clientConfig, 'url');
  if (url === undefined) {
    return Promise.reject(
      new Error('service references cannot be resolved by this emulator: use clientConfig.url'),
    );
  }
  const caBundle = stringAt(clientConfig, 'caBundle');
  const timeoutSeconds =
    typeof webhook['timeoutSeconds'] === 'number' ? webhook['timeoutSeconds'] : 10;
  const body = JSON.stringify(review);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        ...(caBundle === undefined || caBundle === ''
          ? {}
          : { ca: Buffer.from(caBundle, 'base64').toString('utf8') }),
        minVersion: 'TLSv1.2',
        timeout: timeoutSeconds * 1000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`the server responded with status ${String(response.statusCode)}`));
            return;
          }
          try {
            const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            const answer = objectAt(parsed, 'response');
            if (
              !isJsonObject(parsed) ||
              parsed['kind'] !== 'AdmissionReview' ||
              answer === undefined
            ) {
              reject(new Error('the response is not an AdmissionReview with a response'));
            } else if (answer['uid'] !== uid) {
              reject(
                new Error(
                  `expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(answer['uid'])}`,
                ),
              );
            } else if (typeof answer['allowed'] !== 'boolean') {
              reject(new Error('response.allowed is missing'));
            } else resolve(answer);
          } catch (error) {
            reject(
              new Error(
                `the response is not JSON: ${error instanceof Error ? error.message : String(error)}`,
              ),
            );
          }
        });
      },
    );
    request.on('timeout', () => {
      request.destroy(new Error(`context deadline exceeded (timeout ${timeoutSeconds}s)`));
    });
    request.on('error', reject);
    request.end(body);
  });
}
