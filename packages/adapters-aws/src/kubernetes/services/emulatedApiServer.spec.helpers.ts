import type { KubeConfig } from '@kubernetes/client-node';
import { FakeKubernetesServer } from '@podsg/adapters-fake';
import type { FakeCluster } from '@podsg/adapters-fake';
import { KubernetesHttpClient } from './KubernetesHttpClient.js';
import { loadKubeConfig } from './loadKubeConfig.js';

/** The username the adapter acts as in tests (the annotation webhook lets it write pod-eni). */
export const CONTROLLER_USERNAME = 'system:serviceaccount:kube-system:podsg-controller';

/** A CustomResourceDefinition accepting any object, as EKS's CRDs name the resources. */
function crd(
  kind: string,
  plural: string,
  version: string,
  scope: 'Namespaced' | 'Cluster',
): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.vpcresources.k8s.aws` },
    spec: {
      group: 'vpcresources.k8s.aws',
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      ],
    },
  };
}

/** A `FakeKubernetesServer` over `cluster` with the SecurityGroupPolicy and CNINode CRDs installed. */
export async function startEmulatedApiServer(
  cluster: FakeCluster,
  options: Omit<Parameters<typeof FakeKubernetesServer.start>[0], 'cluster'> = {},
): Promise<{ server: FakeKubernetesServer; kubeConfig: KubeConfig; admin: KubernetesHttpClient }> {
  const server = await FakeKubernetesServer.start({ cluster, ...options });
  // The server's kubeconfig for plain HTTP lacks `insecure-skip-tls-verify`, without which
  // client-node refuses http:// servers: build those from the URL and token instead.
  const configFor = (user: string): KubeConfig =>
    server.url.startsWith('http:')
      ? loadKubeConfig({ server: server.url, token: server.addUser(user) })
      : loadKubeConfig({ yaml: server.kubeconfig(user) });
  const admin = new KubernetesHttpClient(configFor('admin'));
  for (const definition of [
    crd('SecurityGroupPolicy', 'securitygrouppolicies', 'v1beta1', 'Namespaced'),
    crd('CNINode', 'cninodes', 'v1alpha1', 'Cluster'),
  ]) {
    await admin.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: definition,
      operation: 'create crd',
    });
  }
  const kubeConfig = configFor(CONTROLLER_USERNAME);
  return { server, kubeConfig, admin };
}
