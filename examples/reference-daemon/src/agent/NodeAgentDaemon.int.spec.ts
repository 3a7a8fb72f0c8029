// The node agent in-process on a fake cluster, on a real socket: it marks its node trunk-capable,
// and a branch pod whose ADD it answered and whose VLAN device is gone after deletion is
// published as released in the node's annotation.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAS_TRUNK_ATTACHED_LABEL, POD_ENI_ANNOTATION } from '@podsg/allocator';
import { UnixSocketNodeAgentClient } from '../cni/UnixSocketNodeAgentClient.js';
import { FakeCloud } from '../composition/FakeCloud.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import { writeFileAtomic } from '../daemon/services/writeFileAtomic.js';
import type { NodeAgentSettings } from './models/nodeAgentSettings.js';
import { RELEASED_BRANCHES_ANNOTATION } from '@podsg/allocator';
import { NodeAgentDaemon } from './NodeAgentDaemon.js';

const scratch = mkdtempSync(join(tmpdir(), 'podsg-agent-daemon-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const silent: DaemonLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

const until = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('NodeAgentDaemon', () => {
  it('marks its node, and confirms the release of a wired branch once its pod is gone', async () => {
    const scenario = join(scratch, 'cluster.yaml');
    await writeFileAtomic(
      scenario,
      [
        'cluster:',
        '  name: t',
        '  vpc: { id: vpc-0a1b2c3d, cidr: 10.0.0.0/16 }',
        '  subnets: [{ id: subnet-0a1b2c3d, cidr: 10.0.0.0/20 }]',
        '  securityGroups: [sg-0123456789abcdef0]',
        '  nodes: [{ name: node-a, instanceType: c5.xlarge, subnet: subnet-0a1b2c3d, labels: {} }]',
        'until: 1h',
        '',
      ].join('\n'),
    );
    const cloud = await FakeCloud.fromFile(scenario);
    const kubernetes = cloud.kubernetes();
    const socketPath = join(scratch, 'agent.sock');
    const settings: NodeAgentSettings = {
      nodeName: 'node-a',
      kubeconfig: undefined,
      fakeCloud: scenario,
      agentSocket: socketPath,
      trunkLink: 'eth1',
      cniBinDir: '',
      cniConfDir: '',
      enforcingMode: 'strict',
      mtu: 9001,
      vethPrefix: 'eni',
      primaryLink: 'eth0',
      nodeSetup: 'off',
      opsHost: '127.0.0.1',
      opsPort: 0,
      releaseScanMs: 50,
      logLevel: 'info',
    };
    const daemon = new NodeAgentDaemon(
      settings,
      kubernetes,
      kubernetes,
      kubernetes,
      null,
      cloud.clock,
      silent,
    );
    await daemon.start();
    try {
      await until(() => cloud.cniNodeFeatures.has('node-a'));
      expect(
        cloud.cluster.nodes().find((node) => node.name === 'node-a')?.labels[
          HAS_TRUNK_ATTACHED_LABEL
        ],
      ).toBe('true');
      const ready = await fetch(`http://127.0.0.1:${daemon.opsPort}/readyz`);
      expect(ready.status).toBe(200);

      await cloud.cluster.setNodeCapacity('node-a', 'vpc.amazonaws.com/pod-eni', 10);
      const created = (await cloud.cluster.createPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'db', namespace: 'default' },
        spec: {
          containers: [
            {
              name: 'db',
              image: 'postgres',
              resources: {
                requests: { 'vpc.amazonaws.com/pod-eni': '1' },
                limits: { 'vpc.amazonaws.com/pod-eni': '1' },
              },
            },
          ],
        },
      })) as { metadata: { uid: string } };
      const uid = created.metadata.uid;
      await until(() =>
        cloud.cluster.pods().some((pod) => pod.name === 'db' && pod.nodeName === 'node-a'),
      );
      // An unused VLAN id, so no device of that name exists on this host.
      const vlanId = 4000;
      expect(existsSync(`/sys/class/net/vlan.eth.${vlanId}`)).toBe(false);
      await cloud.cluster.annotatePod(
        { namespace: 'default', name: 'db', uid },
        {
          [POD_ENI_ANNOTATION]: JSON.stringify([
            {
              eniId: 'eni-0123456789abcdef0',
              ifAddress: '02:00:00:00:00:09',
              privateIp: '10.0.1.9',
              vlanId,
              subnetCidr: '10.0.0.0/20',
            },
          ]),
        },
      );
      const client = new UnixSocketNodeAgentClient({ socketPath });
      // podsg-cni's ADD: the agent hands out the branch (so it knows the pod was wired).
      let answer = await client.lookupPod('default', 'db', uid);
      for (
        let tries = 0;
        tries < 200 && (answer?.required !== true || answer.branch === null);
        tries++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        answer = await client.lookupPod('default', 'db', uid);
      }
      if (answer?.required !== true || answer.branch === null)
        throw new Error('the agent never saw the annotation');
      expect(answer.branch.vlanId).toBe(vlanId);
      expect(
        cloud.nodeAnnotations.get('node-a')?.get(RELEASED_BRANCHES_ANNOTATION),
      ).toBeUndefined();

      await cloud.cluster.deletePod('default', 'db', { gracePeriodSeconds: 0 });
      await until(
        () => cloud.nodeAnnotations.get('node-a')?.has(RELEASED_BRANCHES_ANNOTATION) === true,
      );
      const released = JSON.parse(
        cloud.nodeAnnotations.get('node-a')?.get(RELEASED_BRANCHES_ANNOTATION) ?? '[]',
      ) as unknown[];
      expect(released).toEqual([
        expect.objectContaining({ eniId: 'eni-0123456789abcdef0', vlanId, podUid: uid }),
      ]);
    } finally {
      await daemon.shutdown();
    }
    expect(await daemon.done).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });
});
