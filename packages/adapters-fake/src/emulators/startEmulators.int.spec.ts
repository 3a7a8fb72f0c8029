import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators } from './startEmulators.js';
import type { Emulators } from './startEmulators.js';

// The real AWS CLI and kubectl against one emulated cloud: both must see the same nodes.
const missing = ['aws', 'kubectl'].filter(
  (tool) => spawnSync(tool, ['--help'], { encoding: 'utf8' }).error !== undefined,
);
const why = missing.length === 0 ? '' : `not installed: ${missing.join(', ')}`;
if (why) console.warn(`skipped: ${why}`);

const cluster = {
  name: 'emulated',
  vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
  subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
  securityGroups: ['sg-0123456789abcdef0'],
  nodes: [
    { name: 'node-a', instanceType: 'c5.xlarge', subnet: 'subnet-0a1b2c3d' },
    {
      name: 'node-b',
      instanceType: 'm5.large',
      subnet: 'subnet-0a1b2c3d',
      labels: { team: 'blue' },
    },
  ],
};

function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (error, stdout, stderr) => {
        resolve({
          status: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

describe.skipIf(!!why)('startEmulators with the real AWS CLI and kubectl', () => {
  let cloud: Emulators;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    cloud = await startEmulators({ cluster, ec2Port: 0, kubernetesPort: 0 });
    dir = await mkdtemp(join(tmpdir(), 'podsg-emulators-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, cloud.kubernetes.kubeconfig('admin'), { mode: 0o600 });
  });

  afterAll(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('each node is an EC2 instance of its type and a Kubernetes Node pointing at it', async () => {
    const ec2 = await run('aws', ['ec2', 'describe-instances', '--output', 'json'], {
      AWS_ENDPOINT_URL_EC2: cloud.ec2.url,
      AWS_REGION: cloud.ec2.region,
      AWS_DEFAULT_REGION: cloud.ec2.region,
      AWS_ACCESS_KEY_ID: cloud.ec2.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cloud.ec2.credentials.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(ec2.stderr).toBe('');
    const instances = (
      JSON.parse(ec2.stdout) as {
        Reservations: { Instances: { InstanceId: string; InstanceType: string }[] }[];
      }
    ).Reservations.flatMap((reservation) => reservation.Instances);
    expect(instances.map((instance) => instance.InstanceType).sort()).toEqual([
      'c5.xlarge',
      'm5.large',
    ]);

    const k8s = await run('kubectl', ['get', 'nodes', '-o', 'json'], { KUBECONFIG: kubeconfig });
    expect(k8s.stderr).toBe('');
    const nodes = (
      JSON.parse(k8s.stdout) as {
        items: {
          metadata: { name: string; labels: Record<string, string> };
          spec: { providerID: string };
        }[];
      }
    ).items;
    expect(nodes.map((node) => node.metadata.name).sort()).toEqual(['node-a', 'node-b']);
    for (const node of nodes) {
      const instance = instances.find(
        (candidate) => node.spec.providerID === `aws:///us-west-2a/${candidate.InstanceId}`,
      );
      expect(instance, node.spec.providerID).toBeDefined();
      expect(node.metadata.labels['node.kubernetes.io/instance-type']).toBe(instance?.InstanceType);
      expect(node.metadata.labels['topology.kubernetes.io/zone']).toBe('us-west-2a');
    }
    expect(nodes.find((node) => node.metadata.name === 'node-b')?.metadata.labels['team']).toBe(
      'blue',
    );
  });

  it('refuses a node in a subnet the cluster does not have, naming it', async () => {
    await expect(
      startEmulators({
        cluster: {
          ...cluster,
          nodes: [{ name: 'node-x', instanceType: 'c5.xlarge', subnet: 'subnet-0ffffff0' }],
        },
      }),
    ).rejects.toThrow(/nodes\[node-x\]\.subnet: 'subnet-0ffffff0'/);
  });

  it('close() stops both servers', async () => {
    const other = await startEmulators({ cluster });
    await other.close();
    await expect(fetch(other.ec2.url, { method: 'POST' })).rejects.toThrow();
  });
});
