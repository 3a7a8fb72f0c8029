import { Ec2NetworkInterfaceApi, preflightEc2Permissions } from '@podsg/adapters-aws';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';

// An EC2 Query endpoint on loopback (the AWS CLI works too:
// aws --endpoint-url $URL --region us-west-2 ec2 describe-network-interfaces).
const server = await FakeEc2Server.start({
  ec2: new FakeEc2({
    clock: new VirtualClock(),
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
    securityGroups: ['sg-0123456789abcdef0'],
    attachDelayMs: 0,
  }),
  port: 0,
  permissions: { trunkingAllowed: true },
});

const ec2 = new Ec2NetworkInterfaceApi({
  region: server.region, // us-west-2
  clusterName: 'demo', // interfaces carry kubernetes.io/cluster/demo=owned
  endpoint: server.url, // default: EC2's endpoint for the region
  credentials: server.credentials, // default: the SDK's credential chain
  userAgentSuffix: 'my-controller/1.0', // after podsg/<version>
});

const report = await preflightEc2Permissions(ec2, { subnetId: 'subnet-0a1b2c3d' });
console.log('trunking allowed:', report.trunkingAllowed);
console.log(
  'denied:',
  report.actions.filter((a) => !a.allowed),
); // which action, which permission
const missing = await ec2.missingSecurityGroups('vpc-0a1b2c3d', [
  'sg-0123456789abcdef0',
  'sg-0fedcba9876543210',
]);
const owned = await ec2.listNetworkInterfaces({ tags: { 'kubernetes.io/cluster/demo': 'owned' } });
console.log(missing, owned.length);
ec2.destroy();
await server.close();
