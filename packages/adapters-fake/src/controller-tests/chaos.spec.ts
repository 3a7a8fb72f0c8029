import { expect, it } from 'vitest';
import { SeededRandom } from '../services/SeededRandom.js';
import { world } from './harness.js';

/** Seeds per run: 12 in CI, more with PODSG_CHAOS_SEEDS=200. */
const SEEDS = Number(process.env['PODSG_CHAOS_SEEDS'] ?? 12);

it('converges after random pods, deletions, policy changes, 10% faults and restarts', async () => {
  const failures: string[] = [];
  let checkedPods = 0;
  let faults = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = new SeededRandom(seed);
    const w = await world(
      { cooldownSeconds: 30, recycleSeconds: 60, gcIntervalSeconds: 60 },
      {
        seed,
        faults: [
          { api: '*', rate: 0.1 },
          { api: 'CreateNetworkInterface', rate: 0.05, after: true },
          { api: 'AssociateTrunkInterface', rate: 0.05, after: true },
        ],
      },
    );
    const warnings: string[] = [];
    w.controller.events.on('warning', (d) => warnings.push(d.message));
    w.addNode('node-a', 'c5.xlarge');
    w.addNode('node-b', 'c5.large');
    await w.run(30);
    let n = 0;
    for (let step = 0; step < 30; step++) {
      const x = r.next();
      if (x < 0.45) await w.createPod(`p-${n++}`, { app: r.next() < 0.5 ? 'web' : 'db' });
      else if (x < 0.75) {
        const pods = w.cluster.pods();
        const victim = pods[Math.floor(r.next() * pods.length)];
        if (victim) await w.cluster.deletePod('default', victim.name, { gracePeriodSeconds: 0 });
      } else if (x < 0.85) {
        await w.restart();
      } else if (x < 0.95) {
        w.cluster.applyPolicy({
          apiVersion: 'vpcresources.k8s.aws/v1beta1',
          kind: 'SecurityGroupPolicy',
          metadata: { name: 'web', namespace: 'default' },
          spec: {
            podSelector: { matchLabels: { app: 'web' } },
            securityGroups: {
              groupIds:
                r.next() < 0.5
                  ? ['sg-0123456789abcdef0']
                  : ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
            },
          },
        });
      }
      await w.run(r.next() * 20);
    }
    w.ec2.setFaults([]);
    await w.run(800);
    const live = w.cluster.pods().filter((p) => p.podEniRequest > 0 && p.nodeName !== null);
    checkedPods += live.length;
    faults += w.ec2.calls().filter((call) => call.outcome === 'fault').length;
    const problems: string[] = [];
    for (const p of live) if (!w.annotation(p.name)) problems.push(`unannotated ${p.name}`);
    const owners = live.map((p) => w.annotation(p.name)?.eniId).filter(Boolean);
    if (new Set(owners).size !== owners.length) problems.push('shared eni');
    const view = w.controller.inspect().branches;
    const explained = new Set(
      view
        .filter((b) => b.state === 'cooling' || b.state === 'held' || b.pod !== null)
        .map((b) => b.eniId),
    );
    const leaked = w.branches().filter((b) => !explained.has(b.networkInterfaceId));
    if (leaked.length)
      problems.push(
        `leaked ${leaked.length} ${JSON.stringify(leaked.map((l) => [l.status, l.tags['podsg.io/pod-uid']]))}`,
      );
    for (const p of live) {
      const a = w.annotation(p.name);
      if (!a) continue;
      const eni = w.branches().find((b) => b.networkInterfaceId === a.eniId);
      if (!eni) {
        problems.push(`annotation of ${p.name} names missing eni`);
        continue;
      }
      const assoc = w.ec2.associations().find((x) => x.branchInterfaceId === a.eniId);
      if (!assoc || assoc.vlanId !== a.vlanId || assoc.associationId !== a.associationID)
        problems.push(`assoc mismatch ${p.name}`);
    }
    if (problems.length)
      failures.push(
        `seed ${seed}: ${problems.join('; ')} | live ${live.length} | ${warnings.slice(0, 3).join(' / ')}`,
      );
    await w.controller.stop();
  }
  expect(failures).toEqual([]);
  // The run exercised something: pods to check and faults injected.
  expect(checkedPods).toBeGreaterThan(SEEDS * 3);
  expect(faults).toBeGreaterThan(SEEDS);
}, 300_000);
