/* global console, process, URL */
// In the VM: a stub podsg node agent. Serves the agent protocol of docs/architecture.md (HTTP/1.1 on a
// unix socket) from a fixed table of pods, so the real podsg-cni can be run without a
// cluster.
//
// usage: node stub-agent.js <socket path> <pods.json>
// pods.json: { "<namespace>/<name>": <agent answer>, … }
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';

const [socketPath, podsFile] = process.argv.slice(2);
if (!socketPath || !podsFile) {
  console.error('usage: stub-agent.js <socket> <pods.json>');
  process.exit(2);
}
const pods = JSON.parse(readFileSync(podsFile, 'utf8'));

const server = createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = new URL(req.url ?? '/', 'http://agent').pathname;
  const pod = /^\/v1\/pods\/([^/]+)\/([^/]+)$/.exec(path);
  console.error(`stub-agent: ${req.method} ${path}`);
  if (req.method !== 'GET') return reply(405, { reason: 'MethodNotAllowed' });
  if (path === '/v1/healthz') return reply(200, { ok: true });
  if (pod) {
    const key = `${decodeURIComponent(pod[1] ?? '')}/${decodeURIComponent(pod[2] ?? '')}`;
    const answer = pods[key];
    return answer ? reply(200, answer) : reply(404, { reason: 'NotFound' });
  }
  return reply(404, { reason: 'NotFound' });
});

rmSync(socketPath, { force: true });
server.listen(socketPath, () => console.error(`stub-agent: listening on ${socketPath}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
