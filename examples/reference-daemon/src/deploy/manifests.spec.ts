// The manifests in deploy/: podsg.yaml is exactly its parts; every object is valid against the
// Kubernetes API schemas (kubernetes-models: the OpenAPI schemas of the Kubernetes API compiled
// to validators, offline; unknown fields are not caught, as the OpenAPI schemas allow them);
// RBAC grants exactly what the processes call; the IAM policy names exactly the EC2 actions.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EC2_API_NAMES, MUTATING_EC2_APIS } from '@podsg/allocator';
import { controllerSettings } from '../controller/models/controllerSettings.js';
import { WEBHOOK_PATHS } from '../controller/webhooks/AdmissionWebhookServer.js';
import { concatenateManifests, readManifestParts } from './concatenateManifests.js';
import { PERMISSIONS_OF_PROCESS } from './kubernetesCalls.js';

const deployUrl = new URL('../../deploy/', import.meta.url);
const deploy = fileURLToPath(deployUrl);
const podsgYaml = readFileSync(`${deploy}podsg.yaml`, 'utf8');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}
const objects: K8sObject[] = parseAllDocuments(podsgYaml).flatMap((document) => {
  if (document.errors.length > 0) throw new Error(document.errors.map(String).join('\n'));
  const value = document.toJS({ maxAliasCount: 100 }) as K8sObject | null;
  return value === null ? [] : [value];
});
const find = (kind: string, name: string): K8sObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in podsg.yaml`);
  return found;
};

/** The kubernetes-models modules of the API versions podsg.yaml uses. */
const MODEL_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'rbac.authorization.k8s.io/v1': () => import('kubernetes-models/rbac.authorization.k8s.io/v1'),
  'apiextensions.k8s.io/v1': () => import('kubernetes-models/apiextensions.k8s.io/v1'),
  'admissionregistration.k8s.io/v1': () =>
    import('kubernetes-models/admissionregistration.k8s.io/v1'),
};

type Model = new (data: unknown) => { validate(): void };

/** kubernetes-models' class for an apiVersion and kind, e.g. `apps/v1` Deployment. */
async function modelOf(apiVersion: string, kind: string): Promise<Model | undefined> {
  const load = MODEL_MODULES[apiVersion];
  if (load === undefined) return undefined;
  return ((await load()) as Record<string, Model | undefined>)[kind];
}

describe('deploy/podsg.yaml', () => {
  it('is the concatenation of deploy/parts (rebuild: npm run deploy:build -w examples/reference-daemon)', () => {
    const expected = concatenateManifests(readManifestParts(deployUrl));
    expect(podsgYaml).toBe(expected);
  });

  it('holds only objects valid against the Kubernetes API schemas (cert-manager objects checked by hand)', async () => {
    expect(objects.length).toBeGreaterThan(15);
    for (const object of objects) {
      if (object.apiVersion === 'cert-manager.io/v1') {
        expect(['Issuer', 'Certificate']).toContain(object.kind);
        continue;
      }
      const Model = await modelOf(object.apiVersion, object.kind);
      expect(Model, `${object.apiVersion} ${object.kind}`).toBeDefined();
      expect(() => {
        new Model!(object).validate();
      }, `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('detects an invalid object (the validation can fail)', async () => {
    const Deployment = await modelOf('apps/v1', 'Deployment');
    const broken = structuredClone(find('Deployment', 'podsg-controller')) as unknown as {
      spec: { replicas: unknown };
    };
    broken.spec.replicas = 'two';
    expect(() => {
      new Deployment!(broken).validate();
    }).toThrow(/replicas must be integer/);
  });

  it('defines SecurityGroupPolicy as EKS does, with at most 16 group ids', () => {
    const crd = find(
      'CustomResourceDefinition',
      'securitygrouppolicies.vpcresources.k8s.aws',
    ) as unknown as {
      spec: {
        group: string;
        names: { kind: string; shortNames: string[] };
        scope: string;
        versions: {
          name: string;
          additionalPrinterColumns: { name: string; jsonPath: string }[];
          schema: {
            openAPIV3Schema: {
              properties: {
                spec: {
                  properties: {
                    securityGroups: { properties: { groupIds: { maxItems: number } } };
                  };
                };
              };
            };
          };
        }[];
      };
    };
    expect(crd.spec).toMatchObject({
      group: 'vpcresources.k8s.aws',
      scope: 'Namespaced',
      names: { kind: 'SecurityGroupPolicy', shortNames: ['sgp'] },
    });
    const [version] = crd.spec.versions;
    expect(version?.name).toBe('v1beta1');
    expect(version?.additionalPrinterColumns).toContainEqual(
      expect.objectContaining({
        name: 'Security-Group-Ids',
        jsonPath: '.spec.securityGroups.groupIds',
      }),
    );
    expect(
      version?.schema.openAPIV3Schema.properties.spec.properties.securityGroups.properties.groupIds
        .maxItems,
    ).toBe(16);
    expect(find('CustomResourceDefinition', 'cninodes.vpcresources.k8s.aws')).toMatchObject({
      spec: { scope: 'Cluster', versions: [{ name: 'v1alpha1' }] },
    });
  });

  it('grants each process exactly the Kubernetes permissions its code calls, and no secrets', () => {
    for (const [account, needed] of Object.entries(PERMISSIONS_OF_PROCESS)) {
      const bindings = objects.filter(
        (object) =>
          (object.kind === 'ClusterRoleBinding' || object.kind === 'RoleBinding') &&
          (object['subjects'] as { name: string }[]).some((subject) => subject.name === account),
      );
      const granted = new Set<string>();
      for (const binding of bindings) {
        const roleRef = binding['roleRef'] as { kind: string; name: string };
        const role = find(roleRef.kind, roleRef.name);
        for (const rule of role['rules'] as {
          apiGroups: string[];
          resources: string[];
          verbs: string[];
        }[]) {
          for (const group of rule.apiGroups)
            for (const resource of rule.resources)
              for (const verb of rule.verbs) granted.add(`${verb} ${group}/${resource}`);
        }
      }
      expect([...granted].sort(), `RBAC of ${account}`).toEqual([...needed].sort());
      expect(
        [...granted].some(
          (permission) => permission.includes('secrets') || permission.includes('*'),
        ),
      ).toBe(false);
    }
  });

  it('hardens the controller and gives the node agent only NET_ADMIN, SYS_ADMIN and the CNI paths', () => {
    const controller = find('Deployment', 'podsg-controller') as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: {
            affinity: unknown;
            securityContext: { runAsNonRoot: boolean };
            containers: {
              ports: { containerPort: number }[];
              securityContext: {
                readOnlyRootFilesystem: boolean;
                capabilities: { drop: string[] };
              };
            }[];
          };
        };
      };
    };
    expect(controller.spec.replicas).toBe(2);
    expect(controller.spec.template.spec.affinity).toHaveProperty('podAntiAffinity');
    expect(controller.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const [container] = controller.spec.template.spec.containers;
    expect(container?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.ports.map((port) => port.containerPort)).toEqual([
      controllerSettings.webhookPort.fallback,
      controllerSettings.opsPort.fallback,
    ]);
    find('PodDisruptionBudget', 'podsg-controller');
    const agent = find('DaemonSet', 'podsg-node-agent') as unknown as {
      spec: {
        template: {
          spec: {
            hostNetwork: boolean;
            containers: {
              securityContext: {
                privileged: boolean;
                capabilities: { drop: string[]; add: string[] };
              };
              volumeMounts: { mountPath: string; readOnly?: boolean; mountPropagation?: string }[];
            }[];
          };
        };
      };
    };
    expect(agent.spec.template.spec.hostNetwork).toBe(true);
    expect(agent.spec.template.spec.containers[0]?.securityContext).toMatchObject({
      privileged: false,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'SYS_ADMIN'] },
    });
    // The agent runs the shim's calls: the delegate on the runtime's CNI_PATH, the pods'
    // namespaces as the runtime creates them, the delegate's IPAM state.
    expect(agent.spec.template.spec.containers[0]?.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'cni-bin', mountPath: '/opt/cni/bin', readOnly: true },
        { name: 'netns', mountPath: '/var/run/netns', mountPropagation: 'HostToContainer' },
        { name: 'cni-state', mountPath: '/var/lib/cni' },
      ]),
    );
  });

  it('routes the webhooks to the paths the controller serves, never for kube-system', () => {
    const service = find('Service', controllerSettings.webhookService.fallback);
    const webhooks = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].flatMap(
      (kind) =>
        find(kind, controllerSettings.webhookConfigurationName.fallback)['webhooks'] as {
          clientConfig: { service: { name: string; path: string } };
          failurePolicy: string;
          timeoutSeconds: number;
          namespaceSelector?: unknown;
        }[],
    );
    expect(webhooks.map((webhook) => webhook.clientConfig.service.path).sort()).toEqual(
      Object.values(WEBHOOK_PATHS).sort(),
    );
    for (const webhook of webhooks) {
      expect(webhook.clientConfig.service.name).toBe(service.metadata.name);
      expect(webhook.failurePolicy).toBe('Fail');
      expect(webhook.timeoutSeconds).toBeLessThanOrEqual(10);
    }
    const podWebhooks = webhooks.filter((webhook) =>
      webhook.clientConfig.service.path.includes('-v1-pod'),
    );
    for (const webhook of podWebhooks) {
      expect(webhook.namespaceSelector).toEqual({
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'NotIn',
            values: ['kube-system', 'podsg-system'],
          },
        ],
      });
    }
  });
});

describe('deploy/iam-policy.json', () => {
  const policy = JSON.parse(readFileSync(`${deploy}iam-policy.json`, 'utf8')) as {
    Statement: {
      Action: string | string[];
      Resource: string | string[];
      Condition?: Record<string, Record<string, string>>;
    }[];
  };
  const actionsOf = (statement: { Action: string | string[] }): string[] =>
    [statement.Action].flat();
  // The EC2 calls of the allocator's port, plus DescribeSecurityGroups (policies naming a group
  // that does not exist are refused by name).
  const called = [...EC2_API_NAMES, 'DescribeSecurityGroups'].map((api) => `ec2:${api}`).sort();

  it('names exactly the EC2 actions the code calls', () => {
    expect([...new Set(policy.Statement.flatMap(actionsOf))].sort()).toEqual(called);
  });

  it('lets every mutating action touch network interfaces only with the cluster tag', () => {
    for (const api of MUTATING_EC2_APIS) {
      const onInterfaces = policy.Statement.filter(
        (statement) =>
          actionsOf(statement).includes(`ec2:${api}`) &&
          [statement.Resource].flat().some((resource) => resource.includes(':network-interface/')),
      );
      expect(onInterfaces.length, api).toBeGreaterThan(0);
      for (const statement of onInterfaces) {
        const conditions = JSON.stringify(statement.Condition ?? {});
        expect(conditions, `${api} on network interfaces`).toMatch(
          /kubernetes\.io\/cluster\/|ec2:CreateAction/,
        );
      }
    }
  });
});
