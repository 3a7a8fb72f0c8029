import { KubernetesClusterApi, loadKubeConfig } from '@podsg/adapters-aws';
import { startEmulators } from '@podsg/adapters-fake';

// One emulated cloud on loopback: EC2 (Query protocol, SigV4) and Kubernetes (HTTPS) over the
// same nodes. `podsgd dev` runs them stand-alone.
const cloud = await startEmulators({
  cluster: {
    name: 'demo',
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
    securityGroups: ['sg-0123456789abcdef0'],
    nodes: [{ name: 'node-a', instanceType: 'm5.large', subnet: 'subnet-0a1b2c3d' }],
  },
  ec2Port: 0,
  kubernetesPort: 0,
});
console.log(cloud.ec2.region, cloud.ec2.url.startsWith('http://127.0.0.1:')); // AWS_ENDPOINT_URL_EC2

// The allocator's ClusterApi on a real API server: here the emulated one, through its kubeconfig;
// in a pod, loadKubeConfig({ inCluster: true }), or { file } / { yaml }.
const kubeConfig = loadKubeConfig({ yaml: cloud.kubernetes.kubeconfig('admin') });
const cluster = new KubernetesClusterApi({ kubeConfig });
const snapshot = await cluster.list(); // pods, nodes, service accounts, policies (all pages)
console.log(snapshot.nodes.map((node) => node.name));
// The node agent's view: new KubernetesClusterApi({ kubeConfig, nodeName: 'node-a' }), its pods only.
await cluster.close();
await cloud.close();
