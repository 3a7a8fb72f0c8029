import { evaluateReachability, parseSecurityGroups } from '@podsg/policy';

// What `aws ec2 describe-security-groups` prints (read it with JSON.parse(readFileSync(...)));
// parseSecurityGroups throws PolicyValidationError naming every bad field.
const securityGroups = parseSecurityGroups({
  SecurityGroups: [
    {
      GroupId: 'sg-0a000000000000001',
      GroupName: 'rds-access',
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    {
      GroupId: 'sg-0db00000000000002',
      GroupName: 'database',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          UserIdGroupPairs: [{ GroupId: 'sg-0a000000000000001' }],
        },
      ],
      IpPermissionsEgress: [],
    },
  ],
});
const model = {
  interfaces: [
    { id: 'eni-pod', addresses: ['10.0.1.10'], groupIds: ['sg-0a000000000000001'] },
    { id: 'eni-db', addresses: ['10.0.3.7'], groupIds: ['sg-0db00000000000002'] },
  ],
  securityGroups,
};

for (const port of [5432, 5433]) {
  const verdict = evaluateReachability(model, {
    protocol: 'tcp',
    source: { interfaceId: 'eni-pod' },
    destination: { address: '10.0.3.7' },
    port,
  });
  console.log(port, verdict.allowed, verdict.egress.outcome, verdict.ingress.outcome);
}
