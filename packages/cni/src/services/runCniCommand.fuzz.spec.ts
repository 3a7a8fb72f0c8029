import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CniRunnerPorts } from '../models/CniRunnerPorts.js';
import { runCniCommand } from './runCniCommand.js';

/** Ports that answer like a node with one annotated branch pod and apply nothing. */
const ports: CniRunnerPorts = {
  applier: {
    apply: () => Promise.resolve(),
    snapshot: () =>
      Promise.resolve({ links: [], addresses: [], routes: [], rules: [], neighbours: [] }),
  },
  agent: {
    lookupPod: () =>
      Promise.resolve({
        podUid: 'u-1',
        required: true,
        trunkLink: 'eth1',
        branch: {
          vlanId: 3,
          ifAddress: '02:1a:2b:3c:4d:5e',
          privateIp: '10.0.4.17',
          subnetCidr: '10.0.0.0/20',
        },
      }),
    healthy: () => Promise.resolve(true),
  },
  delegate: { run: () => Promise.resolve({ stdout: '{}', exitCode: 0 }) },
  host: {
    randomBytes: (count) => new Uint8Array(count).fill(2),
    hostLinkMacs: () => Promise.resolve([]),
    hostLinkExists: () => Promise.resolve(false),
  },
};

const env: Record<string, string> = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=u-1',
};
const config = { cniVersion: '1.0.0', name: 'podsg', type: 'podsg-cni' };

describe('runCniCommand under arbitrary input', () => {
  it('never throws: it answers JSON on stdout with exit code 0, or a CNI error with exit code 1', async () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const stdin = fc.oneof(
      fc.string({ maxLength: 200 }),
      json.map((value) => JSON.stringify(value)),
      fc
        .tuple(
          fc.constantFrom('cniVersion', 'name', 'type', 'prevResult', 'runtimeConfig', 'mtu'),
          json,
        )
        .map(([key, value]) => JSON.stringify({ ...config, [key]: value })),
    );
    const environment = fc
      .tuple(fc.constantFrom(...Object.keys(env)), fc.string({ maxLength: 40 }))
      .map(([name, value]) => ({ ...env, [name]: value }));
    await fc.assert(
      fc.asyncProperty(environment, stdin, async (e, input) => {
        const outcome = await runCniCommand(e, input, ports);
        const answer = JSON.parse(outcome.stdout) as { code?: unknown; msg?: unknown };
        if (outcome.exitCode !== 0) {
          expect(outcome.exitCode).toBe(1);
          expect(typeof answer.code).toBe('number');
          expect(typeof answer.msg).toBe('string');
          expect(answer.code).not.toBe(199); // "unexpected": a bug, not a named failure
        }
      }),
      { numRuns: 500 },
    );
  });
});
