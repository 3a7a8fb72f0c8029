import { SystemClock } from '@podsg/adapters-aws';
import { FakeCluster, FakeKubernetesServer } from '@podsg/adapters-fake';

// admission: false → the server calls the webhooks registered through the API instead.
const cluster = new FakeCluster({
  clock: new SystemClock(),
  timeOrigin: performance.timeOrigin, // wall-clock timestamps
  admission: false,
});
cluster.addNode({ name: 'node-a', instanceId: 'i-0123456789abcdef0', instanceType: 'c5.4xlarge' });
const server = await FakeKubernetesServer.start({ cluster, port: 0 });
// writeFileSync('kubeconfig', …), then: kubectl --kubeconfig kubeconfig get nodes
const kubeconfig = server.kubeconfig('alice');
console.log(kubeconfig.includes(server.url), server.url.startsWith('https://'));
// … then inspect cluster.pods(), cluster.events(), server.webhookCalls()
console.log((await cluster.list()).nodes.map((node) => node.name));
await server.close();
