import {
  BranchController,
  HAS_TRUNK_ATTACHED_LABEL,
  POD_ENI_ANNOTATION,
  decodePodEniAnnotation,
} from '@podsg/allocator';
import {
  Ec2NetworkInterfaceApi,
  KubernetesClusterApi,
  SystemClock,
  loadKubeConfig,
} from '@podsg/adapters-aws';
import { startEmulators } from '@podsg/adapters-fake';

// The emulated cloud on loopback stands in for an account and a cluster, so this runs anywhere.
// builtInAdmission runs podsg's webhooks in it: a matching pod gets its pod-eni resource request.
const cloud = await startEmulators({
  builtInAdmission: true,
  cluster: {
    name: 'demo',
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
    securityGroups: ['sg-0123456789abcdef0'],
    nodes: [
      {
        name: 'node-a',
        instanceType: 'c5.4xlarge',
        subnet: 'subnet-0a1b2c3d',
        labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
      },
    ],
  },
});

// The production ports. For a real account drop `endpoint` and `credentials` (EC2's endpoint
// for the region and the SDK's default credential chain: env, profile, IRSA, instance role).
const ec2 = new Ec2NetworkInterfaceApi({
  region: cloud.ec2.region,
  clusterName: 'demo',
  endpoint: cloud.ec2.url,
  credentials: cloud.ec2.credentials,
});
// As the controller's service account: only it may write the pod-eni annotation. For a real
// cluster: loadKubeConfig({ inCluster: true }) in the controller's pod, or { file } outside one.
const controllerUser = 'system:serviceaccount:kube-system:podsg-controller';
const cluster = new KubernetesClusterApi({
  kubeConfig: loadKubeConfig({ yaml: cloud.kubernetes.kubeconfig(controllerUser) }),
});
const controller = new BranchController({
  networkInterfaces: ec2,
  cluster,
  clock: new SystemClock(),
  options: { clusterName: 'demo', vpcId: 'vpc-0a1b2c3d' },
});
await controller.start(); // lists EC2 and the cluster, then follows the watch

// A policy and a pod it selects, written to the emulated API server (kubectl apply works too).
cloud.fakeCluster.applyPolicy({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { namespace: 'shop', name: 'web' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
  },
});
await cloud.fakeCluster.createPod({
  metadata: { namespace: 'shop', name: 'web-1', labels: { app: 'web' } },
  spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'nginx' }] },
});

// Wait (at most 30 s) until the controller has annotated the pod with its branch interface.
let annotation: string | undefined;
for (let tries = 0; annotation === undefined && tries < 300; tries++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  annotation = cloud.fakeCluster.podAnnotations('shop', 'web-1')?.[POD_ENI_ANNOTATION];
}
if (annotation === undefined) throw new Error('web-1 got no branch interface within 30 s');
const [attachment] = decodePodEniAnnotation(annotation);
const [branch] = await ec2.listNetworkInterfaces({
  networkInterfaceIds: [attachment?.eniId ?? ''],
});
console.log('web-1 VLAN:', attachment?.vlanId, 'subnet:', attachment?.subnetCidr);
console.log('branch in EC2:', branch?.interfaceType, branch?.status, branch?.groupIds);

await controller.stop();
await cluster.close();
ec2.destroy();
await cloud.close();
