import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FakeEc2, FakeEc2Server, VirtualClock, type FakeSecurityGroup } from '@podsg/adapters-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExplainReachReport } from './models/ExplainReachReport.js';

// `podsgd explain --reach` reading the walkthrough's groups from an EC2 endpoint (a
// FakeEc2Server on loopback, SigV4 checked) instead of a file, run as a real process. The
// process is started asynchronously: the server answers from this test's event loop.
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const bin = 'examples/reference-daemon/bin/podsgd.js';
const walkthrough = 'examples/manifests/walkthrough';

const build = spawnSync(
  process.execPath,
  [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'examples/reference-daemon'],
  { cwd: repoRoot, encoding: 'utf8' },
);
const why = existsSync(join(repoRoot, 'examples/reference-daemon/dist/bin/podsgd.js'))
  ? undefined
  : `podsgd could not be built: ${build.stdout}${build.stderr}`;
if (why) console.warn(`skipped: ${why}`);

const scratch = mkdtempSync(join(tmpdir(), 'podsgd-explain-ec2-'));
let server: FakeEc2Server;
/** The `--to` of the walkthrough's database group: its id as EC2 gave it, and a port. */
let database: (port: number) => string;
/** The `--to` of the database's interface: its address as EC2 gave it, and a port. */
let databaseAddress: (port: number) => string;
/** The walkthrough's group ids → the ids EC2 gave the groups. */
const ids = new Map<string, string>();

beforeAll(async () => {
  const ec2 = new FakeEc2({
    clock: new VirtualClock(),
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
    securityGroups: [],
    accountId: '111122223333',
  });
  // The walkthrough's groups, created through the fake's security-group API (EC2 picks their
  // ids), then a copy of the walkthrough with those ids for the file-based runs.
  const source = join(repoRoot, walkthrough);
  const { SecurityGroups: groups } = JSON.parse(
    readFileSync(join(source, 'security-groups.json'), 'utf8'),
  ) as { SecurityGroups: FakeSecurityGroup[] };
  for (const group of groups) {
    const { groupId } = ec2.createSecurityGroup({
      groupName: group.GroupName,
      description: group.Description,
      vpcId: group.VpcId,
    });
    ids.set(group.GroupId, groupId);
  }
  // The database's interface: EC2 picks its id and address too.
  const databaseEni = await ec2.createNetworkInterface({
    subnetId: 'subnet-0a1b2c3d',
    groupIds: [ids.get('sg-0a1b2c3d4e5f60002') ?? ''],
    description: 'RDSNetworkInterface',
    tags: {},
    interfaceType: 'branch',
    clientToken: 'database',
  });
  ids.set('eni-0c1d2e3f4a5b60099', databaseEni.networkInterfaceId);
  ids.set('10.0.3.7', databaseEni.privateIpAddress);
  const renumber = (text: string) =>
    [...ids].reduce((out, [from, to]) => out.replaceAll(from, to), text);
  for (const name of readdirSync(source)) {
    writeFileSync(join(scratch, name), renumber(readFileSync(join(source, name), 'utf8')));
  }
  const copies = JSON.parse(readFileSync(join(scratch, 'security-groups.json'), 'utf8')) as {
    SecurityGroups: FakeSecurityGroup[];
  };
  for (const { GroupId, IpPermissionsEgress } of ec2.securityGroups()) {
    // EC2's default egress rule, revoked so that the rules are exactly the file's.
    ec2.revokeSecurityGroupRules(GroupId, true, IpPermissionsEgress);
  }
  for (const group of copies.SecurityGroups) {
    if (group.IpPermissions.length > 0)
      ec2.authorizeSecurityGroupRules(group.GroupId, false, group.IpPermissions);
    if (group.IpPermissionsEgress.length > 0)
      ec2.authorizeSecurityGroupRules(group.GroupId, true, group.IpPermissionsEgress);
  }
  database = (port) => `${ids.get('sg-0a1b2c3d4e5f60002')}:${port}`;
  databaseAddress = (port) => `${databaseEni.privateIpAddress}:${port}`;
  server = await FakeEc2Server.start({ ec2, port: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `podsgd explain --reach --json` for the walkthrough's pod `podFile`, with `source` flags. */
async function reach(podFile: string, to: string, source: string[], env: NodeJS.ProcessEnv = {}) {
  const args = [
    ...[bin, 'explain', '--policies', join(scratch, 'policy.yaml')],
    ...['--pod', join(scratch, podFile)],
    // The no-sa pod runs under `default`, which the walkthrough does not define.
    ...(podFile.endsWith('-no-sa.yaml')
      ? []
      : ['--service-account', join(scratch, 'service-account.yaml')]),
    ...['--reach', '--to', to, '--json', ...source],
  ];
  const { AWS_PROFILE: _profile, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: repoRoot,
      env: {
        ...inherited,
        AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
        AWS_REGION: server.region,
        // The SDK's notice that its 2027 releases need Node 22 would fill stderr on Node 20.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The verdict part of a report, which must not depend on where the groups came from. */
function verdictOf(stdout: string) {
  const report = JSON.parse(stdout) as ExplainReachReport;
  return {
    allowed: report.allowed,
    podGroupIds: report.podGroupIds,
    egress: report.egress,
    ingress: report.ingress,
  };
}

describe.skipIf(!!why)('podsgd explain --reach --ec2-endpoint (built CLI, FakeEc2Server)', () => {
  it('gives the same verdicts from EC2 as from the walkthrough file', async () => {
    for (const [pod, to] of [
      ['pod-postgres-test.yaml', database(5432)],
      ['pod-postgres-test-no-sa.yaml', database(5432)],
      ['pod-postgres-test.yaml', database(5433)],
      ['pod-postgres-test.yaml', databaseAddress(5432)],
      ['pod-postgres-test-no-sa.yaml', databaseAddress(5432)],
    ] as const) {
      const fromFile = await reach(pod, to, [
        '--security-groups',
        join(scratch, 'security-groups.json'),
      ]);
      const fromEc2 = await reach(pod, to, ['--ec2-endpoint', server.url]);
      expect(fromEc2.stderr).toBe('');
      expect(fromEc2.code).toBe(0);
      expect(fromFile.code).toBe(0);
      expect(verdictOf(fromEc2.stdout)).toEqual(verdictOf(fromFile.stdout));
    }
    // Both targets are allowed with both rules named: the address's interface came from EC2.
    for (const to of [database(5432), databaseAddress(5432)]) {
      const allowed = await reach('pod-postgres-test.yaml', to, ['--ec2-endpoint', server.url]);
      expect(verdictOf(allowed.stdout)).toMatchObject({
        allowed: true,
        podGroupIds: [ids.get('sg-0a1b2c3d4e5f60001')],
        ingress: { groupId: ids.get('sg-0a1b2c3d4e5f60002'), groupName: 'database' },
      });
    }
  });

  it("exits 2 with EC2's code when the credentials are refused", async () => {
    const { code, stdout, stderr } = await reach(
      'pod-postgres-test.yaml',
      database(5432),
      ['--ec2-endpoint', server.url],
      { AWS_SECRET_ACCESS_KEY: 'not-the-secret' },
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`EC2 (${server.region}, ${server.url}): EC2 DescribeSecurityGroups: `);
    expect(stderr).toMatch(/SignatureDoesNotMatch|AuthFailure/);
  });

  it('exits 2 naming the flags unless exactly one source of groups is given', async () => {
    const both = await reach('pod-postgres-test.yaml', database(5432), [
      ...['--security-groups', join(scratch, 'security-groups.json')],
      ...['--ec2-endpoint', server.url],
    ]);
    const neither = await reach('pod-postgres-test.yaml', database(5432), []);
    for (const { code, stderr } of [both, neither]) {
      expect(code).toBe(2);
      expect(stderr).toContain(
        '--reach needs exactly one source of security groups: --security-groups <file>, or EC2 with --ec2-endpoint <url> and/or --region <region>',
      );
    }
    const noRegion = await reach(
      'pod-postgres-test.yaml',
      database(5432),
      ['--ec2-endpoint', server.url],
      {
        AWS_REGION: '',
      },
    );
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('--ec2-endpoint needs --region <region> or AWS_REGION');
  });
});
