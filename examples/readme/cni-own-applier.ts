import { runCniCommand } from '@podsg/cni';
import type { CniRunnerPorts, NetworkSnapshot, PodNetworkApplier, RoutePlan } from '@podsg/cni';

// Your own applier: here it only prints the steps; a real one executes them (netlink, ip, …).
class PrintingApplier implements PodNetworkApplier {
  apply(plan: RoutePlan): Promise<void> {
    for (const step of plan.steps) console.log(`${step.ns.padEnd(4)} ${step.op}`);
    return Promise.resolve();
  }
  snapshot(): Promise<NetworkSnapshot> {
    return Promise.resolve({ links: [], addresses: [], routes: [], rules: [], neighbours: [] });
  }
}

const ports: CniRunnerPorts = {
  applier: new PrintingApplier(),
  agent: {
    // What the node agent answers for this pod: it needs a branch, annotated with VLAN 3.
    lookupPod: () =>
      Promise.resolve({
        podUid: 'b7f3c2a1-0000-4000-8000-000000000001',
        required: true,
        trunkLink: 'eth1',
        branch: {
          eniId: 'eni-0a1b2c3d4e5f67890',
          ifAddress: '02:1a:2b:3c:4d:5e',
          privateIp: '10.0.4.17',
          vlanId: 3,
          subnetCidr: '10.0.0.0/20',
        },
      }),
    healthy: () => Promise.resolve(true),
  },
  delegate: { run: () => Promise.resolve({ stdout: '{}', exitCode: 0 }) },
  host: {
    randomBytes: (count) => new Uint8Array(count).fill(0x42),
    hostLinkMacs: () => Promise.resolve([]),
    hostLinkExists: () => Promise.resolve(false),
  },
};

const { stdout, exitCode } = await runCniCommand(
  {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'c0ffee',
    CNI_NETNS: '/var/run/netns/cni-1234',
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
    CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1',
  },
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'podsg',
    type: 'podsg-cni',
    podSGEnforcingMode: 'strict',
    agentSocket: '/run/podsg/agent.sock',
  }),
  ports,
);
const result = JSON.parse(stdout) as { interfaces: { name: string }[]; ips: { address: string }[] };
console.log(
  exitCode,
  result.interfaces.map((i) => i.name),
  result.ips.map((ip) => ip.address),
);
