import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExplainReachReport } from './models/ExplainReachReport.js';
import type { ExplainReport } from './models/ExplainReport.js';

// Runs the built `podsgd` as a real process, as an operator would.
const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const bin = 'examples/reference-daemon/bin/podsgd.js';
const manifests = 'examples/manifests';

// Build first, so the test never runs a stale dist. tsc -b still emits when other files of
// the package have type errors; those are `npx tsc -b`'s job to report, not this test's.
const build = spawnSync(
  process.execPath,
  [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'examples/reference-daemon'],
  { cwd: repoRoot, encoding: 'utf8' },
);
const why = existsSync(join(repoRoot, 'examples/reference-daemon/dist/bin/podsgd.js'))
  ? undefined
  : `podsgd could not be built: ${build.stdout}${build.stderr}`;
if (why) console.warn(`skipped: ${why}`);

const scratch = mkdtempSync(join(tmpdir(), 'podsgd-explain-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `podsgd explain …args` from the repository root. */
function explain(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'explain', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes `text` to a file in the scratch directory and returns its path. */
function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const demo = [
  '--policies',
  `${manifests}/policies.yaml`,
  '--pod',
  `${manifests}/pod-matching.yaml`,
  '--service-account',
  `${manifests}/service-account.yaml`,
];

describe.skipIf(!!why)('podsgd explain (built CLI, real process)', () => {
  it('explains the demo: matches, failed terms, other namespaces, the groups', () => {
    const { code, stdout, stderr } = explain(...demo);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ MATCH +my-security-group-policy +sg-0123456789abcdef0\n/);
    expect(stdout).toMatch(/✓ role=my-role +pod has role=my-role\n/);
    expect(stdout).toMatch(/✓ access=database +service account has access=database\n/);
    expect(stdout).toMatch(/✓ environment NotIn \[dev\] +pod has environment=production\n/);
    expect(stdout).toMatch(/✗ NO MATCH +canary-egress/);
    expect(stdout).toMatch(/✗ track In \[canary\] +pod has no label track\n/);
    expect(stdout).toMatch(
      /other-team\/everything-in-other-team +policy is in namespace other-team/,
    );
    expect(stdout).toContain(
      'Security groups: sg-0123456789abcdef0, sg-0a1b2c3d4e5f67890, sg-0fedcba9876543210\n',
    );
  });

  it('prints one JSON object with the documented shape under --json', () => {
    const { code, stdout } = explain(...demo, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ExplainReport;
    expect(Object.keys(report)).toEqual([
      'pod',
      'serviceAccount',
      'policies',
      'invalidPolicies',
      'ignoredDocuments',
      'result',
      'notes',
    ]);
    expect(report.pod).toMatchObject({
      namespace: 'my-namespace',
      name: 'web-7d9c5',
      serviceAccountName: 'payments-app',
      source: { file: `${manifests}/pod-matching.yaml`, document: 1 },
    });
    expect(report.serviceAccount?.labels).toEqual({ access: 'database' });
    expect(report.result).toEqual({
      groupIds: ['sg-0123456789abcdef0', 'sg-0a1b2c3d4e5f67890', 'sg-0fedcba9876543210'],
      policies: [
        { namespace: 'my-namespace', name: 'database-access' },
        { namespace: 'my-namespace', name: 'my-security-group-policy' },
        { namespace: 'my-namespace', name: 'web-frontend' },
      ],
    });
    const canary = report.policies.find((policy) => policy.name === 'canary-egress');
    expect(canary).toMatchObject({
      applicable: true,
      matched: false,
      source: { file: `${manifests}/policies.yaml`, document: 4 },
      selectors: [
        {
          field: 'podSelector',
          outcome: 'failed',
          terms: [
            { requirement: 'app=web', matched: true },
            {
              path: 'spec.podSelector.matchExpressions[0]',
              requirement: 'track In [canary]',
              matched: false,
              reason: 'pod has no label track',
            },
          ],
        },
        { field: 'serviceAccountSelector', outcome: 'not-set' },
      ],
    });
    expect(report.policies.at(-1)).toMatchObject({ namespace: 'other-team', applicable: false });
  });

  it('exits 0 when nothing matches and says the pod keeps the node groups', () => {
    const { code, stdout } = explain(
      ...['--policies', `${manifests}/policies.yaml`],
      ...['--pod', `${manifests}/pod-not-matching.yaml`],
      ...['--service-account', `${manifests}/service-account.yaml`],
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/✗ access=database +service account has no label access\n/);
    expect(stdout).toContain('Result: 0 of 4 policies in namespace my-namespace match\n');
    expect(stdout).toContain('Security groups: none');
  });

  it('says service account labels are unknown when no --service-account is given', () => {
    const { code, stdout } = explain(...demo.slice(0, 4));
    expect(code).toBe(0);
    expect(stdout).toContain(
      '! labels of service account my-namespace/payments-app are unknown (no --service-account given)',
    );
    expect(stdout).toMatch(/✗ NO MATCH +database-access/);
    expect(stdout).toContain('Security groups: sg-0123456789abcdef0, sg-0a1b2c3d4e5f67890\n');
  });

  it('reports the shipped invalid policies by file, document and field, and goes on', () => {
    const { code, stdout, stderr } = explain(
      ...['--policies', `${manifests}/invalid-policy.yaml`],
      ...['--pod', `${manifests}/pod-matching.yaml`],
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const file = `${manifests}/invalid-policy.yaml`;
    expect(stdout).toContain(`✗ ${file}:6 (document 1)  my-namespace/broken-selectors`);
    expect(stdout).toMatch(/spec\.podSelector\.matchExpressions\[0\]\.operator +.*Equals/);
    expect(stdout).toMatch(/spec\.podSelector\.matchExpressions\[1\]\.values +/);
    expect(stdout).toMatch(/spec\.securityGroups\.groupIds\[1\] +.*sg-12345/);
    expect(stdout).toContain('(document 2)  my-namespace/no-selector\n');
    expect(stdout).toMatch(/✓ MATCH +my-security-group-policy/);
    expect(stdout).toContain('Security groups: sg-0123456789abcdef0\n');
  });

  it('reads a policy directory (not its subdirectories) and reports bad files in JSON', () => {
    const dir = join(scratch, 'policies');
    scratchFile(
      'policies/a-valid.yml',
      [
        'apiVersion: vpcresources.k8s.aws/v1beta1',
        'kind: SecurityGroupPolicy',
        'metadata: { name: valid, namespace: my-namespace }',
        'spec:',
        '  podSelector: { matchLabels: { app: web } }',
        '  securityGroups: { groupIds: [sg-0aaaaaaaaaaaaaaaa] }',
      ].join('\n'),
    );
    scratchFile(
      'policies/b-invalid.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: unrelated, namespace: my-namespace }',
        '---',
        'apiVersion: vpcresources.k8s.aws/v1beta1',
        'kind: SecurityGroupPolicy',
        'metadata: { name: bad-ids, namespace: my-namespace }',
        'spec:',
        '  podSelector: { matchLabels: { "bad key!": x } }',
        '  securityGroups: { groupIds: [sg-0AAAAAAAAAAAAAAAA] }',
      ].join('\n'),
    );
    scratchFile('policies/notes.txt', 'not a manifest');
    scratchFile(
      'policies/nested/c.yaml',
      'apiVersion: vpcresources.k8s.aws/v1beta1\nkind: SecurityGroupPolicy\nmetadata: { name: deep }\n',
    );
    const { code, stdout } = explain(
      ...['--policies', dir, '--pod', `${manifests}/pod-matching.yaml`, '--json'],
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ExplainReport;
    expect(report.result.groupIds).toEqual(['sg-0aaaaaaaaaaaaaaaa']);
    expect(report.invalidPolicies).toHaveLength(1);
    expect(report.invalidPolicies[0]).toMatchObject({
      source: { file: join(dir, 'b-invalid.yaml'), document: 2, line: 5 },
      policy: 'my-namespace/bad-ids',
    });
    expect(report.invalidPolicies[0]?.issues.map((issue) => issue.path).sort()).toEqual([
      'spec.podSelector.matchLabels["bad key!"]',
      'spec.securityGroups.groupIds[0]',
    ]);
    expect(report.ignoredDocuments).toEqual([
      {
        source: { file: join(dir, 'b-invalid.yaml'), document: 1, line: 1 },
        object: 'v1 ConfigMap my-namespace/unrelated',
        reason: 'not a SecurityGroupPolicy',
      },
    ]);
  });

  it('exits 2 naming the file when a file cannot be read', () => {
    const missing = explain('--policies', `${manifests}/policies.yaml`, '--pod', 'no/such.yaml');
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: 'podsgd: no/such.yaml: cannot read: no such file or directory (ENOENT)\n',
    });
    const emptyDir = join(scratch, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const empty = explain('--policies', emptyDir, '--pod', `${manifests}/pod-matching.yaml`);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain(`${emptyDir}: directory holds no *.yaml, *.yml or *.json files`);
  });

  it('exits 2 for an invalid pod, naming the file and the field', () => {
    const pod = scratchFile(
      'bad-pod.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    replicas: 3\n',
    );
    const { code, stdout, stderr } = explain(
      '--policies',
      `${manifests}/policies.yaml`,
      '--pod',
      pod,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `podsgd: ${pod}:1 (document 1): metadata.labels.replicas: must be a string, got number (quote it in YAML)\n`,
    );
  });

  it('exits 2 unless the pod file holds exactly one Pod', () => {
    const twoPods = scratchFile(
      'two-pods.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: b }\n',
    );
    const two = explain('--policies', `${manifests}/policies.yaml`, '--pod', twoPods);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(`${twoPods}: holds 2 Pods`);
    const none = explain(
      '--policies',
      `${manifests}/policies.yaml`,
      '--pod',
      `${manifests}/policies.yaml`,
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`${manifests}/policies.yaml: holds no object of kind Pod`);
  });

  it("exits 2 when the service account file lacks the pod's account", () => {
    const { code, stderr } = explain(
      ...demo.slice(0, 2),
      ...['--pod', `${manifests}/pod-matching.yaml`],
      ...['--service-account', `${manifests}/pod-matching.yaml`],
    );
    expect(code).toBe(2);
    expect(stderr).toContain('has no ServiceAccount my-namespace/payments-app');
  });

  it('exits 2 on usage errors', () => {
    const { code, stderr } = explain('--policies', `${manifests}/policies.yaml`);
    expect(code).toBe(2);
    expect(stderr).toContain("required option '--pod <file>' not specified");
  });
});

const walkthrough = `${manifests}/walkthrough`;
/** `explain --reach` for one of the walkthrough's pods. */
function reach(podFile: string, to: string, ...more: string[]) {
  return explain(
    ...['--policies', `${walkthrough}/policy.yaml`, '--pod', `${walkthrough}/${podFile}`],
    ...['--reach', '--to', to, '--security-groups', `${walkthrough}/security-groups.json`],
    ...more,
  );
}

describe.skipIf(!!why)('podsgd explain --reach (built CLI, real process)', () => {
  const withAccount = ['--service-account', `${walkthrough}/service-account.yaml`];

  it('postgres-test reaches the database group on 5432: both rules named, exit 0', () => {
    const { code, stdout, stderr } = reach(
      'pod-postgres-test.yaml',
      'sg-0a1b2c3d4e5f60002:5432',
      ...withAccount,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Security groups: sg-0a1b2c3d4e5f60001\n');
    expect(stdout).toContain(
      '  ✓ ingress  sg-0a1b2c3d4e5f60002 (database) IpPermissions[0]: tcp 5432 from sg-0a1b2c3d4e5f60001 (rds-access)\n',
    );
    expect(stdout).toMatch(/Verdict: allowed/);
  });

  it('postgres-test-no-sa is denied at the database interface, still exit 0; --json has the documented keys', () => {
    const { code, stdout } = reach('pod-postgres-test-no-sa.yaml', '10.0.3.7:5432', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ExplainReachReport;
    expect(Object.keys(report).slice(0, 4)).toEqual([
      'allowed',
      'podGroupIds',
      'egress',
      'ingress',
    ]);
    expect(report).toMatchObject({ allowed: false, podGroupIds: [], egress: null, ingress: null });
    expect(report.sides.ingress).toMatchObject({
      outcome: 'denied',
      interfaceId: 'eni-0c1d2e3f4a5b60099',
    });
    expect(report.pod).toEqual({
      namespace: 'default',
      name: 'postgres-test-no-sa',
      address: '10.0.1.77',
      addressSource: 'status.podIP',
    });
    expect(report.explain.result.groupIds).toEqual([]);
  });

  it("prints exactly the README's example", () => {
    const readme = readFileSync(join(repoRoot, 'examples/reference-daemon/README.md'), 'utf8');
    const command = '    --security-groups examples/manifests/walkthrough/security-groups.json\n';
    const start = readme.indexOf(command) + command.length;
    const documented = readme.slice(start, readme.indexOf('\n```', start) + 1);
    const { stdout } = reach('pod-postgres-test.yaml', 'sg-0a1b2c3d4e5f60002:5432', ...withAccount);
    expect(stdout).toBe(documented);
  });

  it('exits 2 naming every bad field of the security groups file', () => {
    const file = scratchFile(
      'bad-groups.json',
      JSON.stringify({
        SecurityGroups: [
          {
            GroupId: 'sg-0a1b2c3d4e5f60002',
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 80 }],
          },
        ],
      }),
    );
    const { code, stderr } = explain(
      ...[
        '--policies',
        `${walkthrough}/policy.yaml`,
        '--pod',
        `${walkthrough}/pod-postgres-test.yaml`,
      ],
      ...['--reach', '--to', 'sg-0a1b2c3d4e5f60002:5432', '--security-groups', file],
    );
    expect(code).toBe(2);
    expect(stderr).toContain(
      'SecurityGroups[0].IpPermissions[0].ToPort: must not be below FromPort (5432), got 80',
    );
  });

  it('exits 2 for a bad --to and for --reach without its options', () => {
    const badTarget = reach('pod-postgres-test.yaml', 'database:5432');
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain(
      '--to "database:5432": database is neither a security group id nor an IP address',
    );
    const incomplete = explain(...demo, '--reach');
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain('--reach needs --to <sg-id|ip>:<port>[/tcp|udp]');
  });
});
