import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateReachability, parseSecurityGroups } from '@podsg/policy';
import { compileFabricRuleset } from './compileFabricRuleset.js';
import type { FabricInterface } from './FabricRulesetInput.js';

// The walkthrough on real packets: a "fabric" namespace routes between pod A (rds-access), pod B
// (another group) and a database; nftables compiled from the groups enforce them. Plain veths
// stand in for the VLANs (this kernel has no 802.1Q). Private addresses in our own namespaces only.

const why =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0
      ? 'nftables (nft) is not installed'
      : spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0
        ? 'iproute2 (ip) is not installed'
        : '';
if (why) console.warn(`skipped: ${why}`);

const RDS_ACCESS = 'sg-0a000000000000001';
const NODE = 'sg-0c000000000000003';
const DATABASE = 'sg-0db00000000000002';
const CONNECT_TIMEOUT_MS = 1500;

const securityGroups = parseSecurityGroups({
  SecurityGroups: [
    {
      GroupId: RDS_ACCESS,
      GroupName: 'rds-access',
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    {
      GroupId: NODE,
      GroupName: 'node',
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.99.0.0/16' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    {
      // Only 5432 from rds-access, and nothing out: replies pass because groups are stateful.
      GroupId: DATABASE,
      GroupName: 'database',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          UserIdGroupPairs: [{ GroupId: RDS_ACCESS }],
        },
      ],
      IpPermissionsEgress: [],
    },
  ],
});

const suffix = randomBytes(3).toString('hex');
const ns = {
  fabric: `podsg-fab-${suffix}`,
  a: `podsg-a-${suffix}`,
  b: `podsg-b-${suffix}`,
  db: `podsg-db-${suffix}`,
};
/** Each end: its namespace, the fabric's device towards it, its /24 (fabric .1, end .2). */
const ends = [
  { name: 'a', netns: ns.a, device: `fa${suffix}`, subnet: '10.99.1' },
  { name: 'b', netns: ns.b, device: `fb${suffix}`, subnet: '10.99.2' },
  { name: 'db', netns: ns.db, device: `fd${suffix}`, subnet: '10.99.3' },
] as const;
const address = (end: (typeof ends)[number]): string => `${end.subnet}.2`;
const [endA, endB, endDb] = ends;

const GREETING = 'PostgreSQL stand-in ready';
/** A TCP server printing `listening` once bound and greeting every client. */
const serverScript = `
const [host, port, greeting] = process.argv.slice(1);
require('node:net').createServer((socket) => socket.end(greeting + '\\n'))
  .listen(Number(port), host, () => console.log('listening'));
`;
/** Connects, prints `connected: <first line>` or `timed out after N s`, exits 0. */
const clientScript = `
const [host, port, timeoutMs] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
const timer = setTimeout(() => { console.log('timed out after ' + Number(timeoutMs) / 1000 + ' s'); process.exit(0); }, Number(timeoutMs));
socket.on('data', (data) => { clearTimeout(timer); console.log('connected: ' + String(data).trim()); process.exit(0); });
socket.on('error', (error) => { clearTimeout(timer); console.log('failed: ' + error.message); process.exit(0); });
`;

function inNetns(netns: string, command: string, args: readonly string[], stdin?: string): string {
  return execFileSync('ip', ['netns', 'exec', netns, command, ...args], {
    encoding: 'utf8',
    ...(stdin === undefined ? {} : { input: stdin }),
  });
}

/** Starts a server in `netns` and resolves once it listens. */
async function startServer(netns: string, host: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, process.execPath, '-e', serverScript, host, String(port), GREETING],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('listening')) resolve();
    });
    child.on('exit', (code) => {
      reject(new Error(`server in ${netns} exited with ${String(code)}`));
    });
  });
  return child;
}

/** Runs the client in `netns` against host:port; its one line of output. */
function connect(netns: string, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      [
        'netns',
        'exec',
        netns,
        process.execPath,
        '-e',
        clientScript,
        host,
        String(port),
        String(CONNECT_TIMEOUT_MS),
      ],
      { encoding: 'utf8', timeout: CONNECT_TIMEOUT_MS + 10_000 },
      (error, stdout) => {
        if (error) reject(new Error(`client in ${netns} failed`, { cause: error }));
        else resolve(stdout.trim());
      },
    );
  });
}

/** The packets counted by the last rule (the drop) of a chain. */
function dropCount(chain: string): number {
  const listing = inNetns(ns.fabric, 'nft', ['list', 'chain', 'inet', 'podsg_vpc', chain]);
  const drop = listing.split('\n').find((line) => line.includes(' drop comment'));
  return Number(/packets (\d+)/.exec(drop ?? '')?.[1] ?? NaN);
}

describe.skipIf(!!why)(
  'compileFabricRuleset on a real kernel: the walkthrough in namespaces',
  () => {
    const servers: ChildProcess[] = [];

    beforeAll(async () => {
      for (const netns of Object.values(ns)) {
        execFileSync('ip', ['netns', 'add', netns]);
        inNetns(netns, 'ip', ['link', 'set', 'lo', 'up']);
      }
      inNetns(ns.fabric, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
      for (const end of ends) {
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
        inNetns(ns.fabric, 'ip', ['addr', 'add', `${end.subnet}.1/24`, 'dev', end.device]);
        inNetns(ns.fabric, 'ip', ['link', 'set', end.device, 'up']);
        inNetns(end.netns, 'ip', ['addr', 'add', `${address(end)}/24`, 'dev', 'eth0']);
        inNetns(end.netns, 'ip', ['link', 'set', 'eth0', 'up']);
        inNetns(end.netns, 'ip', ['route', 'add', 'default', 'via', `${end.subnet}.1`]);
      }
      servers.push(await startServer(ns.db, address(endDb), 5432));
      servers.push(await startServer(ns.a, address(endA), 8080));
    });

    afterAll(() => {
      for (const server of servers) server.kill();
      for (const netns of Object.values(ns))
        spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    });

    it('nft accepts every rule form the compiler writes', () => {
      const everyForm = parseSecurityGroups({
        SecurityGroups: [
          {
            GroupId: 'sg-0e000000000000004',
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 0,
                ToPort: 65535,
                IpRanges: [{ CidrIp: '10.99.0.5/16' }],
              },
              { IpProtocol: '17', FromPort: 53, ToPort: 53, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
              { IpProtocol: 'icmp', FromPort: 3, ToPort: 4, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
              {
                IpProtocol: 'icmpv6',
                FromPort: -1,
                ToPort: -1,
                Ipv6Ranges: [{ CidrIpv6: 'fd00::/8' }],
              },
              {
                IpProtocol: '50',
                UserIdGroupPairs: [{ GroupId: 'sg-0e000000000000004' }, { GroupId: RDS_ACCESS }],
              },
              { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-02cd2c6b' }] },
            ],
            IpPermissionsEgress: [
              {
                IpProtocol: '58',
                FromPort: 128,
                ToPort: 0,
                UserIdGroupPairs: [{ GroupId: RDS_ACCESS }],
              },
            ],
          },
        ],
      });
      const ruleset = compileFabricRuleset({
        tableName: 'podsg_check',
        interfaces: [
          {
            id: 'x',
            addresses: ['10.99.9.1', 'fd00::9:1'],
            groupIds: ['sg-0e000000000000004'],
            device: 'vlan.eth.4094',
          },
          { id: 'y', addresses: ['fd00::9:2'], groupIds: [RDS_ACCESS, 'sg-0e000000000000004'] },
        ],
        securityGroups: everyForm,
      });
      // -c: check only; the kernel validates the whole transaction without committing it.
      expect(() => inNetns(ns.fabric, 'nft', ['-c', '-f', '-'], ruleset)).not.toThrow();
    });

    // Once with the pods recognised by their fabric device (as VLAN devices would be), once by address.
    describe.each([
      { keyedBy: 'device', withDevice: true },
      { keyedBy: 'address', withDevice: false },
    ])('interfaces keyed by $keyedBy', ({ withDevice }) => {
      const interfaces: FabricInterface[] = [
        {
          id: 'eni-pod-a',
          addresses: [address(endA)],
          groupIds: [RDS_ACCESS],
          ...(withDevice ? { device: endA.device } : {}),
        },
        {
          id: 'eni-pod-b',
          addresses: [address(endB)],
          groupIds: [NODE],
          ...(withDevice ? { device: endB.device } : {}),
        },
        { id: 'eni-db', addresses: [address(endDb)], groupIds: [DATABASE] },
      ];
      const model = { interfaces, securityGroups };
      const verdict = (source: string, destination: string, port: number) =>
        evaluateReachability(model, {
          protocol: 'tcp',
          source: { interfaceId: source },
          destination: { interfaceId: destination },
          port,
        });

      beforeAll(() => {
        inNetns(ns.fabric, 'nft', ['-f', '-'], compileFabricRuleset(model));
      });

      it('pod A (rds-access) connects to the database and reads its greeting; the evaluator agrees', async () => {
        const outcome = await connect(ns.a, address(endDb), 5432);
        console.log(`pod A → database:5432: ${outcome}`);
        expect(outcome).toBe(`connected: ${GREETING}`);
        expect(verdict('eni-pod-a', 'eni-db', 5432).allowed).toBe(true);
      });

      it('pod B (no rds-access) times out at the database’s ingress rules; the evaluator agrees', async () => {
        const before = dropCount('ingress_2');
        const outcome = await connect(ns.b, address(endDb), 5432);
        console.log(`pod B → database:5432: ${outcome}`);
        expect(outcome).toBe('timed out after 1.5 s');
        expect(dropCount('ingress_2')).toBeGreaterThan(before);
        const judged = verdict('eni-pod-b', 'eni-db', 5432);
        expect(judged.allowed).toBe(false);
        expect(judged.ingress.outcome).toBe('denied');
      });

      it('pod A is held to the port: 5433 (nothing listens) is dropped, not refused; the evaluator agrees', async () => {
        // Had the packet arrived, the database's kernel would have refused it at once.
        const outcome = await connect(ns.a, address(endDb), 5433);
        console.log(`pod A → database:5433: ${outcome}`);
        expect(outcome).toBe('timed out after 1.5 s');
        const judged = verdict('eni-pod-a', 'eni-db', 5433);
        expect(judged.ingress.outcome === 'denied' && judged.ingress.nearMisses[0]?.mismatch).toBe(
          'port 5433 not in 5432-5432',
        );
      });

      it('the database cannot open a flow itself (its group allows nothing out); the evaluator agrees', async () => {
        const before = dropCount('egress_2');
        const outcome = await connect(ns.db, address(endA), 8080);
        console.log(`database → pod A:8080: ${outcome}`);
        expect(outcome).toBe('timed out after 1.5 s');
        expect(dropCount('egress_2')).toBeGreaterThan(before);
        expect(verdict('eni-db', 'eni-pod-a', 8080).egress.outcome).toBe('denied');
      });
    });
  },
);
