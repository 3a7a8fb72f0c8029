// Two controller replicas in one process on one fake cloud (real clock, real sockets, 1.5 s
// lease): one leads and allocates; when the leader loses the API server it fences itself — no
// EC2 call leaves it afterwards — and exits 3; the standby leads and allocates the pods created
// meanwhile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { NetworkInterfaceApi } from '@podsg/allocator';
import { POD_ENI_ANNOTATION } from '@podsg/allocator';
import { FakeCloud } from '../composition/FakeCloud.js';
import { ControllerDaemon, EXIT_LOST_LEADERSHIP } from './ControllerDaemon.js';
import type { ControllerSettings } from './models/controllerSettings.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import type { LeaseClient } from './ports/LeaseClient.js';

const quickstart = fileURLToPath(new URL('../../../scenarios/quickstart.yaml', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'podsg-replicas-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const silent: DaemonLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

function settings(name: string): ControllerSettings {
  return {
    clusterName: 'quickstart',
    region: undefined,
    ec2Endpoint: undefined,
    vpcId: undefined,
    kubeconfig: undefined,
    fakeCloud: quickstart,
    namespace: 'podsg-system',
    identity: name,
    leaseName: 'podsg-controller',
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    webhookHost: '127.0.0.1',
    webhookPort: 0,
    tlsCertFile: join(scratch, name, 'tls.crt'),
    tlsKeyFile: join(scratch, name, 'tls.key'),
    selfSignedWebhookCert: true,
    webhookService: 'podsg-webhook',
    webhookConfigurationName: 'podsg',
    opsHost: '127.0.0.1',
    opsPort: 0,
    controllerUsername: undefined,
    cooldownSeconds: undefined,
    moveBranches: true,
    releaseWaitMs: undefined,
    warmPoolBranches: undefined,
    warmPoolIdleMs: undefined,
    logLevel: 'info',
  };
}

const until = async (condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('two controller replicas', () => {
  it('a leader cut off from the lease fences itself: no EC2 call after, the standby takes over', async () => {
    const cloud = await FakeCloud.fromFile(quickstart);
    const kubernetes = cloud.kubernetes();
    // Replica A's view of the lease API can be cut (its network to the API server).
    let cut = false;
    const leasesA: LeaseClient = {
      getLease: (...args) =>
        cut ? Promise.reject(new Error('unreachable')) : cloud.leases.getLease(...args),
      createLease: (...args) =>
        cut ? Promise.reject(new Error('unreachable')) : cloud.leases.createLease(...args),
      updateLease: (...args) =>
        cut ? Promise.reject(new Error('unreachable')) : cloud.leases.updateLease(...args),
    };
    // Every EC2 call that leaves replica A, with its time.
    const callsOfA: number[] = [];
    const ec2A = new Proxy(cloud.ec2, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          callsOfA.push(performance.now());
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as NetworkInterfaceApi;
    // The moment A decides to fence (its log says so), before anything else of its shutdown.
    let fencedAt = Infinity;
    const logA: DaemonLog = {
      ...silent,
      error: (_fields: Record<string, unknown>, message: string) => {
        if (message.includes('fencing')) fencedAt = Math.min(fencedAt, performance.now());
      },
    };
    const replica = (
      name: string,
      ec2: NetworkInterfaceApi,
      leases: LeaseClient,
      log: DaemonLog = silent,
    ) =>
      new ControllerDaemon(
        settings(name),
        ec2,
        kubernetes,
        leases,
        kubernetes,
        cloud.preflight(),
        cloud.clock,
        log,
      );
    const a = replica('a', ec2A, leasesA, logA);
    const b = replica('b', cloud.ec2, cloud.leases);
    try {
      await a.start();
      await until(() => a.leading);
      await b.start();
      const annotated = () =>
        cloud.cluster.pods().filter((pod) => pod.annotations[POD_ENI_ANNOTATION] !== undefined)
          .length;
      await until(() => annotated() >= 3);
      expect(b.leading).toBe(false);

      const cutAt = performance.now();
      cut = true;
      for (let i = 1; i <= 4; i++) {
        await cloud.cluster.createPod({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `late-${i}`, namespace: 'default', labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx' }] },
        });
      }
      expect(await a.done).toBe(EXIT_LOST_LEADERSHIP);
      expect(fencedAt - cutAt).toBeLessThan(1000 + 500);
      await until(() => b.leading);
      await until(() => annotated() >= 7, 20_000);
      // A kept working after the cut until it fenced itself, then sent nothing more.
      expect(callsOfA.filter((at) => at > cutAt).length).toBeGreaterThan(0);
      expect(callsOfA.filter((at) => at > fencedAt)).toEqual([]);
      expect(await b.metrics.registry.metrics()).toMatch(/^podsg_leader 1$/m);
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  }, 40_000);

  it('says loudly when the account may not use trunking, and writes its self-signed CA into the webhook configurations', async () => {
    const cloud = await FakeCloud.fromFile(quickstart);
    const kubernetes = cloud.kubernetes();
    const errors: string[] = [];
    const log: DaemonLog = { ...silent, error: (_fields, message) => errors.push(message) };
    const preflight = {
      preflight: () =>
        Promise.resolve({
          trunkingAllowed: false,
          actions: [
            {
              action: 'AssociateTrunkInterface',
              allowed: false,
              missingPermission: 'ec2:AssociateTrunkInterface',
              code: 'UnauthorizedOperation',
            },
          ],
        }),
    };
    const daemon = new ControllerDaemon(
      settings('c'),
      cloud.ec2,
      kubernetes,
      cloud.leases,
      kubernetes,
      preflight,
      cloud.clock,
      log,
    );
    try {
      await daemon.start();
      const get = async (path: string) => {
        const response = await fetch(`http://127.0.0.1:${daemon.ports.ops}${path}`);
        return { status: response.status, text: await response.text() };
      };
      await until(() => errors.some((message) => message.includes('CANNOT USE BRANCH INTERFACES')));
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.text).toContain(
        'ec2-trunking: this account may not associate branch interfaces',
      );
      expect((await get('/metrics')).text).toMatch(/^podsg_ec2_trunking_allowed 0$/m);
      for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
        expect(cloud.caBundles.get(`${kind}/podsg`)).toContain('-----BEGIN CERTIFICATE-----');
      }
    } finally {
      await daemon.shutdown();
    }
  });
});
