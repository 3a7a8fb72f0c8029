import { readFileSync } from 'node:fs';
import { parseNetworkInterfaces, parseSecurityGroups } from '@podsg/policy';
import { describe, expect, it } from 'vitest';
import type { ExplainedPod, ExplainedServiceAccount } from '../models/ExplainReport.js';
import { explainPod } from './explainPod.js';
import { explainReach } from './explainReach.js';
import { formatExplainReachReport } from './formatExplainReachReport.js';
import { parseManifestText } from './parseManifestText.js';
import { readPodAddress } from './readPodAddress.js';

const RDS_ACCESS = 'sg-0a1b2c3d4e5f60001';
const DATABASE = 'sg-0a1b2c3d4e5f60002';

const policyDocuments = parseManifestText(
  [
    'apiVersion: vpcresources.k8s.aws/v1beta1',
    'kind: SecurityGroupPolicy',
    'metadata: { name: allow-rds-access, namespace: default }',
    `spec: { serviceAccountSelector: { matchLabels: { role: backend } }, securityGroups: { groupIds: [${RDS_ACCESS}] } }`,
  ].join('\n'),
  'policy.yaml',
);
// The walkthrough's groups and database interface, as shipped for the README's example.
const shipped: unknown = JSON.parse(
  readFileSync(
    new URL('../../../../../manifests/walkthrough/security-groups.json', import.meta.url),
    'utf8',
  ),
);
const securityGroups = parseSecurityGroups(shipped);
const [database] = parseNetworkInterfaces(shipped);

const pod = (name: string, serviceAccountName: string): ExplainedPod => ({
  namespace: 'default',
  name,
  serviceAccountName,
  labels: {},
  source: { file: `${name}.yaml`, document: 1, line: 1 },
});
const backend: ExplainedServiceAccount = {
  namespace: 'default',
  name: 'rds-db-access',
  labels: { role: 'backend' },
  source: { file: 'sa.yaml', document: 1, line: 1 },
};

function reach(options: {
  pod: ExplainedPod;
  serviceAccount: ExplainedServiceAccount | null;
  address: string | null;
  to: Parameters<typeof explainReach>[0]['target'];
}) {
  return explainReach({
    explain: explainPod({
      pod: options.pod,
      serviceAccount: options.serviceAccount,
      policyDocuments,
      defaultNamespace: 'default',
    }),
    podAddress: {
      address: options.address,
      source: options.address === null ? null : 'pod-eni annotation',
    },
    target: options.to,
    securityGroups,
    interfaces: database === undefined ? [] : [database],
    securityGroupsFile: 'sg.json',
  });
}

const toDatabaseGroup = { kind: 'group', groupId: DATABASE, port: 5432, protocol: 'tcp' } as const;
const toDatabaseAddress = {
  kind: 'address',
  address: '10.0.3.7',
  port: 5432,
  protocol: 'tcp',
} as const;

describe('explainReach: the walkthrough', () => {
  it('postgres-test (service account rds-db-access) may reach the database group on 5432', () => {
    const report = reach({
      pod: pod('postgres-test', 'rds-db-access'),
      serviceAccount: backend,
      address: '10.0.1.10',
      to: toDatabaseGroup,
    });
    expect(report.allowed).toBe(true);
    expect(report.podGroupIds).toEqual([RDS_ACCESS]);
    expect(report.egress?.summary).toBe('all traffic to 0.0.0.0/0');
    expect(report.ingress?.summary).toBe(`tcp 5432 from ${RDS_ACCESS} (rds-access)`);
    expect(report.target).toEqual({ ...toDatabaseGroup, groupName: 'database' });
    const text = formatExplainReachReport(report);
    expect(text).toContain('Security groups: sg-0a1b2c3d4e5f60001\n');
    expect(text).toContain(
      [
        'Reachability: tcp 5432 from pod default/postgres-test (10.0.1.10, from its pod-eni annotation)',
        `              to an interface carrying ${DATABASE} (database)`,
        `  ✓ egress   ${RDS_ACCESS} (rds-access) IpPermissionsEgress[0]: all traffic to 0.0.0.0/0`,
        `  ✓ ingress  ${DATABASE} (database) IpPermissions[0]: tcp 5432 from ${RDS_ACCESS} (rds-access)`,
      ].join('\n'),
    );
    expect(text).toMatch(
      /Verdict: allowed: the flow may start, and its replies pass \(security groups are stateful\)\n$/,
    );
  });

  it('postgres-test-no-sa gets no groups; the database address judges it by its ingress rules alone', () => {
    const report = reach({
      pod: pod('postgres-test-no-sa', 'default'),
      serviceAccount: null,
      address: '10.0.1.77',
      to: toDatabaseAddress,
    });
    expect(report.allowed).toBe(false);
    expect(report.podGroupIds).toEqual([]);
    expect([report.egress, report.ingress]).toEqual([null, null]);
    expect(report.sides.egress.outcome).toBe('not-modelled');
    expect(report.notes).toContain(
      "no policy selects the pod, so it gets no branch ENI and its traffic leaves with its node's security groups, which are not modelled: only the target's side is judged",
    );
    const text = formatExplainReachReport(report);
    expect(text).toContain(
      `  ✗ ingress  no ingress rule of ${DATABASE} allows tcp 5432 from 10.0.1.77\n`,
    );
    expect(text).toContain(
      `      nearest: ${DATABASE} (database) IpPermissions[0]: tcp 5432 from ${RDS_ACCESS} (rds-access): 10.0.1.77 is no modelled interface, so it carries no group\n`,
    );
    expect(text).toMatch(
      /Verdict: denied by the target's ingress rules: packets are dropped, so a connection times out\n$/,
    );
  });

  it('an address not among the interfaces leaves the ingress side unmodelled, and says so', () => {
    const report = reach({
      pod: pod('postgres-test', 'rds-db-access'),
      serviceAccount: backend,
      address: '10.0.1.10',
      to: { kind: 'address', address: '10.0.4.4', port: 443, protocol: 'tcp' },
    });
    expect(report.allowed).toBe(true);
    expect(report.ingress).toBeNull();
    expect(report.sides.ingress.outcome).toBe('not-modelled');
    expect(report.notes[0]).toMatch(/^10\.0\.4\.4 is not among the NetworkInterfaces in sg\.json/);
  });

  it('without a pod address, group references are judged by membership and a note says so', () => {
    const report = reach({
      pod: pod('postgres-test', 'rds-db-access'),
      serviceAccount: backend,
      address: null,
      to: toDatabaseAddress,
    });
    expect(report.allowed).toBe(true);
    expect(report.ingress?.peer).toEqual({ kind: 'group', groupId: RDS_ACCESS });
    expect(report.notes.some((note) => note.includes('judged by group membership only'))).toBe(
      true,
    );
    expect(formatExplainReachReport(report)).toContain(
      'from pod default/postgres-test (address unknown)',
    );
  });

  it('refuses a flow it cannot judge: an IPv4 pod to an IPv6 address', () => {
    expect(() =>
      reach({
        pod: pod('postgres-test', 'rds-db-access'),
        serviceAccount: backend,
        address: '10.0.1.10',
        to: { kind: 'address', address: '2600:1f14::7', port: 5432, protocol: 'tcp' },
      }),
    ).toThrow(
      'cannot judge the flow: flow.source.interfaceId: pod default/postgres-test has no IPv6 address for an IPv6 flow',
    );
  });

  it('refuses a target group that is not in the file', () => {
    expect(() =>
      reach({
        pod: pod('postgres-test', 'rds-db-access'),
        serviceAccount: backend,
        address: '10.0.1.10',
        to: { ...toDatabaseGroup, groupId: 'sg-0a1b2c3d4e5f60009' },
      }),
    ).toThrow('--to: sg-0a1b2c3d4e5f60009 is not among the security groups in sg.json');
  });
});

describe('readPodAddress', () => {
  const read = (manifest: string) => {
    const documents = parseManifestText(manifest, 'pod.yaml');
    const source = documents[0]!.source;
    return readPodAddress(documents, { ...pod('p', 'default'), source });
  };
  const annotation = (value: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    vpc.amazonaws.com/pod-eni: '${value}'\nstatus: { podIP: 10.9.9.9 }\n`;

  it('prefers the pod-eni annotation, then status.podIP', () => {
    expect(
      read(
        annotation(
          '[{"eniId":"eni-0c1d2e3f4a5b60010","ifAddress":"02:7a:3c:5e:1f:10","privateIp":"10.0.1.10","vlanId":1,"subnetCidr":"10.0.1.0/24"}]',
        ),
      ),
    ).toEqual({ address: '10.0.1.10', source: 'pod-eni annotation' });
    expect(read('apiVersion: v1\nkind: Pod\nstatus: { podIP: 10.9.9.9 }\n')).toEqual({
      address: '10.9.9.9',
      source: 'status.podIP',
    });
    expect(read('apiVersion: v1\nkind: Pod\n')).toEqual({ address: null, source: null });
  });

  it('names the field when the annotation or podIP is malformed', () => {
    expect(() => read(annotation('{"privateIp":"10.0.1.10"}'))).toThrow(
      'pod.yaml:1 (document 1): metadata.annotations["vpc.amazonaws.com/pod-eni"]: is not a JSON array',
    );
    expect(() => read('apiVersion: v1\nkind: Pod\nstatus: { podIP: pending }\n')).toThrow(
      'pod.yaml:1 (document 1): status.podIP: must be an IP address, got "pending"',
    );
  });
});
