/* global console, process, URL */
// A stub podsg node agent: the real `NodeAgentServer` (the agent protocol of
// docs/architecture.md, HTTP/1.1 on a unix socket) answering from a file of pods instead of the
// Kubernetes API, and serving the podsg-cni shim's `POST /v1/cni` with the real
// `NodeAgentCniRunner` (the plugin's logic, run in this process, wiring pods in this process's
// network namespace). Used in the kernel test's VM and by the podsg-cni tests and bench, which
// start it inside a throwaway namespace that plays the node.
//
// usage: node stub-agent.js <socket path> <pods.json> [--no-cni]
// pods.json: { "<namespace>/<name>": <agent answer>, … }, read on every question.
// --no-cni: no `POST /v1/cni` (an agent from before the shim: the shim falls back to Node.js).
// Prints `stub-agent: … listening on <socket>`, then `stub-agent: pid <pid>`, on stderr once it answers.
import { readFileSync } from 'node:fs';

const [socketPath, podsFile, flag] = process.argv.slice(2);
if (!socketPath || !podsFile || (flag !== undefined && flag !== '--no-cni')) {
  console.error('usage: stub-agent.js <socket> <pods.json> [--no-cni]');
  process.exit(2);
}
const agentDir = new URL('../../examples/reference-daemon/dist/agent/services/', import.meta.url);
const [{ NodeAgentServer }, { NodeAgentCniRunner }, { PodSourceAgentClient }] = await Promise.all([
  import(new URL('NodeAgentServer.js', agentDir).href),
  import(new URL('NodeAgentCniRunner.js', agentDir).href),
  import(new URL('PodSourceAgentClient.js', agentDir).href),
]);

const pods = {
  synced: true,
  // Read on every question (a few hundred bytes), so a test may change the pods at any time.
  answerFor: (namespace, name) =>
    JSON.parse(readFileSync(podsFile, 'utf8'))[`${namespace}/${name}`] ?? null,
};
const log = {
  info: (message) => console.error(`stub-agent: ${message}`),
  warn: (message) => console.error(`stub-agent: ${message}`),
};
const server = new NodeAgentServer({
  socketPath,
  pods,
  log,
  ...(flag === '--no-cni'
    ? {}
    : { cniCalls: new NodeAgentCniRunner({ agent: new PodSourceAgentClient(pods) }) }),
});
await server.start();
console.error(`stub-agent: pid ${String(process.pid)}`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
