import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEc2 } from '../services/FakeEc2.js';
import { VirtualClock } from '../services/VirtualClock.js';
import { KernelVpcFabric } from './KernelVpcFabric.js';

// KernelVpcFabric following FakeEc2 on this kernel: a client and a database, each an instance
// whose primary interface ends on a veth of the fabric namespace (attachments; this kernel has no
// 802.1Q, so no trunk VLANs here: the kernel VM test covers those). Changing the model changes
// what the packets do. Private addresses in our own namespaces only.

const why =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0
      ? 'nftables (nft) is not installed'
      : spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0
        ? 'iproute2 (ip) is not installed'
        : '';
if (why) console.warn(`skipped: ${why}`);

const TIMEOUT_MS = 1000;
const suffix = randomBytes(3).toString('hex');
const ns = { fabric: `podsg-vf-${suffix}`, client: `podsg-vc-${suffix}`, db: `podsg-vd-${suffix}` };

const connectScript = `
const [host, port, timeoutMs] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
const timer = setTimeout(() => { console.log('timed out'); process.exit(0); }, Number(timeoutMs));
socket.on('data', (data) => { clearTimeout(timer); console.log('connected: ' + String(data).trim()); process.exit(0); });
socket.on('error', (error) => { clearTimeout(timer); console.log('failed: ' + error.message); process.exit(0); });
`;

function inNetns(netns: string, command: string, args: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, command, ...args], { encoding: 'utf8' });
}

function connect(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        ns.client,
        process.execPath,
        '-e',
        connectScript,
        host,
        '5432',
        String(TIMEOUT_MS),
      ],
      { encoding: 'utf8', timeout: TIMEOUT_MS + 10_000 },
      (error, stdout) => {
        if (error) reject(new Error(`client in ${ns.client} failed`, { cause: error }));
        else resolve(stdout.trim());
      },
    );
  });
}

describe.skipIf(!!why)('KernelVpcFabric on a real kernel: the fabric follows the EC2 model', () => {
  const ec2 = new FakeEc2({
    clock: new VirtualClock(),
    attachDelayMs: 0,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.98.0.0/16' },
    subnets: [
      { id: 'subnet-0a000001', cidr: '10.98.1.0/24' },
      { id: 'subnet-0a000003', cidr: '10.98.3.0/24' },
    ],
    securityGroups: ['sg-0c000000000000003'],
  });
  const rds = ec2.createSecurityGroup({ groupName: 'rds-access', description: 'apps' }).groupId;
  const database = ec2.createSecurityGroup({ groupName: 'db', description: 'db' }).groupId;
  const databaseRule = {
    IpProtocol: 'tcp',
    FromPort: 5432,
    ToPort: 5432,
    UserIdGroupPairs: [{ GroupId: rds }],
  };
  ec2.authorizeSecurityGroupRules(database, false, [databaseRule]);
  const clientEni = ec2.addInstance({ instanceType: 'm5.large', subnetId: 'subnet-0a000001' })
    .networkInterfaces[0];
  const dbEni = ec2.addInstance({ instanceType: 'm5.large', subnetId: 'subnet-0a000003' })
    .networkInterfaces[0];
  const ends = [
    { netns: ns.client, device: `c${suffix}`, eni: clientEni, router: '10.98.1.1' },
    { netns: ns.db, device: `d${suffix}`, eni: dbEni, router: '10.98.3.1' },
  ];
  let fabric: KernelVpcFabric | undefined;
  let server: ChildProcess | undefined;

  /** Waits until the ruleset in force gives the client `groupIds`. */
  async function enforced(groupIds: string[]): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const current = fabric?.interfaces.find((eni) => eni.id === clientEni?.networkInterfaceId);
      if (JSON.stringify(current?.groupIds) === JSON.stringify([...groupIds].sort())) return;
      await sleep(50);
    }
    throw new Error(`the fabric never enforced ${groupIds.join(', ')} on the client`);
  }

  beforeAll(async () => {
    if (!clientEni || !dbEni) throw new Error('instances without a primary interface');
    await ec2.modifyNetworkInterface({
      networkInterfaceId: dbEni.networkInterfaceId,
      groupIds: [database],
    });
    for (const netns of Object.values(ns)) {
      execFileSync('ip', ['netns', 'add', netns]);
      inNetns(netns, 'ip', ['link', 'set', 'lo', 'up']);
    }
    for (const end of ends) {
      if (!end.eni) continue;
      execFileSync('ip', [
        'link',
        'add',
        end.device,
        'netns',
        ns.fabric,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        end.netns,
      ]);
      inNetns(end.netns, 'ip', ['link', 'set', 'eth0', 'address', end.eni.macAddress, 'up']);
      inNetns(end.netns, 'ip', ['addr', 'add', `${end.eni.privateIpAddress}/24`, 'dev', 'eth0']);
      inNetns(end.netns, 'ip', ['route', 'add', 'default', 'via', end.router]);
    }
    fabric = await KernelVpcFabric.start({
      ec2,
      netns: ns.fabric,
      trunkDevice: 'none',
      instanceId: 'i-00000000000000000',
      attachments: ends.map((end) => ({
        interfaceId: end.eni?.networkInterfaceId ?? '',
        device: end.device,
      })),
      pollMs: 50,
    });
    server = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns.db,
        process.execPath,
        '-e',
        `require('node:net').createServer((s) => s.end('db\\n')).listen(5432, () => console.log('listening'))`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => {
      server?.stdout?.on('data', () => {
        resolve();
      });
    });
  });

  afterAll(async () => {
    server?.kill();
    await fabric?.close();
    for (const netns of Object.values(ns))
      spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  });

  it('terminates each attachment: the subnet router on its device, the address routed to it', () => {
    const routes = inNetns(ns.fabric, 'ip', ['-j', 'route', 'show']);
    for (const end of ends) {
      expect(routes).toContain(`"dst":"${end.eni?.privateIpAddress ?? ''}","dev":"${end.device}"`);
      expect(inNetns(ns.fabric, 'ip', ['-j', 'addr', 'show', 'dev', end.device])).toContain(
        `"local":"${end.router}"`,
      );
    }
  });

  it('a group put on the client lets it in; the rule revoked shuts it out again', async () => {
    const db = dbEni?.privateIpAddress ?? '';
    expect(await connect(db)).toBe('timed out');

    await ec2.modifyNetworkInterface({
      networkInterfaceId: clientEni?.networkInterfaceId ?? '',
      groupIds: ['sg-0c000000000000003', rds],
    });
    await enforced(['sg-0c000000000000003', rds]);
    expect(await connect(db)).toBe('connected: db');

    const before = fabric?.ruleset;
    ec2.revokeSecurityGroupRules(database, false, [databaseRule]);
    for (let i = 0; i < 100 && fabric?.ruleset === before; i++) await sleep(50);
    expect(fabric?.ruleset).not.toBe(before);
    expect(await connect(db)).toBe('timed out');
  });
});
