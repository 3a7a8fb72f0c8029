import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCluster } from '../services/FakeCluster.js';
import { FakeKubernetesServer } from './FakeKubernetesServer.js';

const testdata = (name: string): string =>
  fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    console.log(
      'FakeKubernetesServer.int.spec: kubectl is not on PATH; the real-client tests are skipped',
    );
    return false;
  }
}

const wallClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

let cluster: FakeCluster;
let server: FakeKubernetesServer;
let directory: string;
let adminConfig: string;
let aliceConfig: string;

/** Runs the real kubectl; resolves to its output, or rejects with its stderr. */
function kubectl(config: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      ['--kubeconfig', config, '--request-timeout=10s', ...args],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(new Error(stderr.trim() === '' ? error.message : stderr.trim()));
      },
    );
  });
}

async function manifest(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

describe.runIf(kubectlAvailable())('FakeKubernetesServer with the real kubectl', () => {
  beforeAll(async () => {
    cluster = new FakeCluster({ clock: wallClock, admission: false, podTerminationMs: 200 });
    cluster.addNode({
      name: 'node-a',
      instanceId: 'i-0123456789abcdef0',
      instanceType: 'c5.4xlarge',
      zone: 'us-east-1a',
    });
    server = await FakeKubernetesServer.start({ cluster });
    directory = await mkdtemp(join(tmpdir(), 'podsg-kubectl-'));
    adminConfig = await manifest('admin.kubeconfig', server.kubeconfig('admin'));
    aliceConfig = await manifest('alice.kubeconfig', server.kubeconfig('alice'));
  });

  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('talks TLS with the kubeconfig it wrote: version, nodes, namespaces', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = JSON.parse(await kubectl(adminConfig, 'version', '-o', 'json')) as {
      serverVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.32\./);
    expect(await kubectl(adminConfig, 'get', 'nodes')).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nnode-a\s+Ready\s+<none>/,
    );
    expect(await kubectl(adminConfig, 'get', 'namespaces', '-o', 'name')).toBe(
      'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n',
    );
  });

  it('reads the protobuf bodies of kubectl create namespace and create serviceaccount', async () => {
    expect(await kubectl(aliceConfig, 'create', 'namespace', 'demo')).toBe(
      'namespace/demo created\n',
    );
    expect(await kubectl(aliceConfig, 'create', 'serviceaccount', 'builder', '-n', 'demo')).toBe(
      'serviceaccount/builder created\n',
    );
    expect(await kubectl(aliceConfig, 'get', 'serviceaccounts', '-n', 'demo', '-o', 'name')).toBe(
      'serviceaccount/builder\n',
    );
  });

  it('refuses an unknown token as the API server does', async () => {
    await expect(kubectl(adminConfig, '--token=not-a-token', 'get', 'pods')).rejects.toThrow(
      'error: You must be logged in to the server (Unauthorized)',
    );
  });

  it('applies the two CRDs, then a SecurityGroupPolicy, and prints its columns', async () => {
    expect(
      await kubectl(
        adminConfig,
        'apply',
        '-f',
        testdata('securitygrouppolicies.crd.yaml'),
        '-f',
        testdata('cninodes.crd.yaml'),
      ),
    ).toBe(
      'customresourcedefinition.apiextensions.k8s.io/securitygrouppolicies.vpcresources.k8s.aws created\n' +
        'customresourcedefinition.apiextensions.k8s.io/cninodes.vpcresources.k8s.aws created\n',
    );
    const policy = await manifest(
      'sgp.yaml',
      'apiVersion: vpcresources.k8s.aws/v1beta1\nkind: SecurityGroupPolicy\nmetadata: { name: web, namespace: default }\n' +
        'spec:\n  podSelector: { matchLabels: { app: web } }\n  securityGroups: { groupIds: [sg-0123456789abcdef0] }\n',
    );
    expect(await kubectl(aliceConfig, 'apply', '-f', policy)).toBe(
      'securitygrouppolicy.vpcresources.k8s.aws/web created\n',
    );
    expect(await kubectl(aliceConfig, 'get', 'sgp')).toMatch(
      /^NAME\s+SECURITY-GROUP-IDS\s+AGE\nweb\s+\["sg-0123456789abcdef0"\]\s+\d+s\n$/,
    );
    expect(cluster.policies().map((p) => (p['metadata'] as { name: string }).name)).toEqual([
      'web',
    ]);
    const cniNode = await manifest(
      'cninode.yaml',
      'apiVersion: vpcresources.k8s.aws/v1alpha1\nkind: CNINode\nmetadata: { name: node-a }\nspec:\n  features: [{ name: SecurityGroupsForPods }]\n',
    );
    await kubectl(adminConfig, 'apply', '-f', cniNode);
    expect(
      await kubectl(adminConfig, 'get', 'cnd', 'node-a', '-o', 'jsonpath={.spec.features[0].name}'),
    ).toBe('SecurityGroupsForPods');
    // A second apply of a changed policy is a merge patch (custom resources take no strategic merge).
    await writeFile(
      policy,
      (await import('node:fs/promises').then((fs) => fs.readFile(policy, 'utf8'))).replace(
        'sg-0123456789abcdef0',
        'sg-0fedcba9876543210',
      ),
    );
    expect(await kubectl(aliceConfig, 'apply', '-f', policy)).toBe(
      'securitygrouppolicy.vpcresources.k8s.aws/web configured\n',
    );
    expect(
      await kubectl(
        aliceConfig,
        'get',
        'sgp',
        'web',
        '-o',
        'jsonpath={.spec.securityGroups.groupIds}',
      ),
    ).toBe('["sg-0fedcba9876543210"]');
  });

  it('applies, labels, annotates, patches (three ways) and deletes a pod', async () => {
    const pod = await manifest(
      'pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: web-1, namespace: default, labels: { app: web } }\n' +
        'spec:\n  containers: [{ name: app, image: nginx:1 }, { name: sidecar, image: envoy:1 }]\n',
    );
    expect(await kubectl(aliceConfig, 'apply', '-f', pod)).toBe('pod/web-1 created\n');
    expect(await kubectl(aliceConfig, 'label', 'pod', 'web-1', 'tier=front')).toBe(
      'pod/web-1 labeled\n',
    );
    expect(await kubectl(aliceConfig, 'annotate', 'pod', 'web-1', 'owner=alice')).toBe(
      'pod/web-1 annotated\n',
    );
    await kubectl(
      aliceConfig,
      'patch',
      'pod',
      'web-1',
      '-p',
      '{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}',
    );
    await kubectl(
      aliceConfig,
      'patch',
      'pod',
      'web-1',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"labels":{"merged":"yes"}}}',
    );
    await kubectl(
      aliceConfig,
      'patch',
      'pod',
      'web-1',
      '--type',
      'json',
      '-p',
      '[{"op":"remove","path":"/metadata/labels/tier"}]',
    );
    await writeFile(
      pod,
      (await import('node:fs/promises').then((fs) => fs.readFile(pod, 'utf8'))).replace(
        'envoy:1',
        'envoy:2',
      ),
    );
    expect(await kubectl(aliceConfig, 'apply', '-f', pod)).toBe('pod/web-1 configured\n');
    const stored = cluster.podManifest('default', 'web-1') as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { containers: { name: string; image: string }[]; nodeName: string };
    };
    expect(stored.metadata.labels).toEqual({ app: 'web', merged: 'yes' });
    expect(stored.metadata.annotations['owner']).toBe('alice');
    // apply makes the fields the file names match it: the patched nginx:2 goes back to nginx:1.
    expect(stored.spec.containers).toEqual([
      { name: 'app', image: 'nginx:1' },
      { name: 'sidecar', image: 'envoy:2' },
    ]);
    expect(stored.spec.nodeName).toBe('node-a');
    await expect(
      kubectl(aliceConfig, 'patch', 'pod', 'web-1', '-p', '{"spec":{"hostNetwork":true}}'),
    ).rejects.toThrow(
      /^The Pod "web-1" is invalid: spec: Forbidden: pod updates may not change fields/,
    );
    expect(await kubectl(aliceConfig, 'get', 'pods', '-o', 'wide')).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\nweb-1\s+0\/2\s+Pending\s+0\s+\d+s\s+<none>\s+node-a\n$/,
    );
    expect(
      await kubectl(
        aliceConfig,
        'get',
        'events',
        '--field-selector',
        'reason=Scheduled',
        '-o',
        'jsonpath={.items[*].message}',
      ),
    ).toBe('Successfully assigned default/web-1 to node-a');
    expect(
      await kubectl(aliceConfig, 'delete', 'pod', 'web-1', '--wait=true', '--timeout=10s'),
    ).toBe('pod "web-1" deleted\n');
    expect(cluster.podManifest('default', 'web-1')).toBeNull();
    await expect(kubectl(aliceConfig, 'get', 'pod', 'web-1')).rejects.toThrow(
      'Error from server (NotFound): pods "web-1" not found',
    );
  });

  it('streams changes to kubectl get -w until its request timeout', async () => {
    const watcher = spawn('kubectl', [
      '--kubeconfig',
      aliceConfig,
      'get',
      'serviceaccounts',
      '-w',
      '--request-timeout=3s',
      '-o',
      'name',
    ]);
    let output = '';
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 800));
    await kubectl(
      aliceConfig,
      'apply',
      '-f',
      await manifest(
        'sa.yaml',
        'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: builder }\n',
      ),
    );
    await kubectl(aliceConfig, 'label', 'serviceaccount', 'builder', 'team=blue');
    expect(await exited).toBe(0);
    expect(output.split('\n').filter((line) => line.includes('builder'))).toEqual([
      'serviceaccount/builder',
      'serviceaccount/builder',
    ]);
  });
});
