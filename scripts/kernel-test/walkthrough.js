/* global console, process, URL */
// In the VM, after the plugin checks: the EKS announcement's walkthrough through the real
// daemon chain, on real 802.1Q VLANs and real nftables.
//
// `podsgd dev`'s DevEnvironment starts the EC2 and Kubernetes emulators (startEmulators) and the
// real controller and node agent as child processes on the production adapters. The EC2 Query
// front (through @aws-sdk/client-ec2) creates the two groups, the database's ingress rule and the
// database's interface; the Kubernetes API (as the `developer` user) gets the
// SecurityGroupPolicy, the service account and the two pods. The real podsg-cni wires each pod
// (ADD, asking the real node agent). KernelVpcFabric plays the VPC in a namespace at the far end
// of the trunk: a VLAN device per trunk association, and the groups of every interface compiled
// to nftables, re-compiled when the model changes. A database listens on 5432 behind its own
// group. Each outcome is checked against `podsgd explain --reach` run on the same objects and
// the groups as the EC2 front describes them.
//
// Lives under /podsg/scripts/kernel-test in the image so that bare imports resolve from
// /podsg/node_modules.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { KubernetesHttpClient, loadKubeConfig } from '@podsg/adapters-aws';
import { KernelVpcFabric } from '@podsg/adapters-fake';
import { DevEnvironment } from '../../examples/reference-daemon/dist/dev/services/DevEnvironment.js';
import { KubernetesObjectWriter } from '../../examples/reference-daemon/dist/dev/services/KubernetesObjectWriter.js';

const IP = '/usr/bin/ip';
const PODSGD = new URL('../../examples/reference-daemon/bin/podsgd.js', import.meta.url).pathname;
const PLUGIN = new URL('../../examples/reference-daemon/bin/podsg-cni.js', import.meta.url)
  .pathname;
// The installed podsg-cni when `npm run build` had a C compiler: the shim, whose calls the real
// node agent runs (POST /v1/cni); else the Node.js plugin.
const SHIM = new URL('../../examples/reference-daemon/dist/cni-shim/podsg-cni', import.meta.url)
  .pathname;
const pluginArgv = existsSync(SHIM) ? [SHIM] : ['node', PLUGIN];
const STATE = '/tmp/podsg-dev';
const FILES = '/tmp/walkthrough';
const FABRIC = 'vpc-fabric';
const DB_NETNS = 'vpc-db';
const TRUNK = 'eth1';
const PRIMARY = 'eth2';
const NODE = 'node-1';
const CLUSTER_SG = 'sg-0c000000000000003';
const VPC = 'vpc-0a1b2c3d';
const CONNECT_TIMEOUT_MS = 3000;
const GREETING = 'PostgreSQL 16 stand-in: ready for connections';
const NO_SA_ADDRESS = '10.244.0.10';

const clusterYaml = `
cluster:
  name: walkthrough
  vpc: { id: ${VPC}, cidr: 10.0.0.0/16 }
  subnets:
    - { id: subnet-0a000001, cidr: 10.0.1.0/24 }
    - { id: subnet-0a000003, cidr: 10.0.3.0/24 }
  securityGroups: [${CLUSTER_SG}]
  nodes:
    - { name: ${NODE}, instanceType: m5.large, subnet: subnet-0a000001 }
until: 600s
`;

/** Connects, prints `connected: <first line>` or `timed out after N s`, exits 0. */
const clientScript = `
const [host, port, timeoutMs] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
const timer = setTimeout(() => { console.log('timed out after ' + Number(timeoutMs) / 1000 + ' s'); process.exit(0); }, Number(timeoutMs));
socket.on('data', (data) => { clearTimeout(timer); console.log('connected: ' + String(data).trim()); process.exit(0); });
socket.on('error', (error) => { clearTimeout(timer); console.log('failed: ' + error.message); process.exit(0); });
`;
const serverScript = `
const [host, port, greeting] = process.argv.slice(1);
require('node:net').createServer((socket) => socket.end(greeting + '\\n'))
  .listen(Number(port), host, () => console.log('listening'));
`;

/**
 * Runs a command to completion without blocking the event loop (the emulators live in this
 * process); never throws.
 */
function runAsync(command, args, { input, env } = {}) {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { encoding: 'utf8', env: env ?? process.env, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        resolve({
          status: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
          stdout: stdout ?? '',
          stderr: (stderr ?? '') + (error && typeof error.code !== 'number' ? String(error) : ''),
        });
      },
    );
    child.stdin?.on('error', () => undefined); // a child that exits without reading its input
    child.stdin?.end(input ?? '');
  });
}

/**
 * Runs the walkthrough, reporting through the in-VM test's helpers:
 * `check(name, fn)` (fn throws to fail; may be async), `expect`, `run`, `must`.
 */
export async function walkthrough({ check: checkOne, expect, must }) {
  let failures = 0;
  const check = async (name, assertion) => {
    const ok = await checkOne(name, assertion);
    if (!ok) failures += 1;
    return ok;
  };
  const say = (line) => console.log(`KTEST INFO walkthrough: ${line}`);
  const stamp = (() => {
    const started = Date.now();
    return () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  })();
  mkdirSync(FILES, { recursive: true });
  writeFileSync(`${FILES}/cluster.yaml`, clusterYaml);
  const children = [];
  let dev;
  let fabric;
  try {
    dev = await DevEnvironment.start({
      clusterFile: `${FILES}/cluster.yaml`,
      stateDir: STATE,
      replicas: 1,
      env: { ...process.env, PODSG_LOG_LEVEL: process.env.PODSG_LOG_LEVEL ?? 'info' },
      say,
      readyTimeoutMs: 240_000,
    });
    say(`podsgd dev ready (controller ${dev.leader} leads) at ${stamp()}`);
    const { cloud } = dev;
    const ec2 = new EC2Client({
      region: cloud.ec2.region,
      endpoint: cloud.ec2.url,
      credentials: cloud.ec2.credentials,
      maxAttempts: 3,
    });
    const agentSocket = dev.processes().find((p) => p.role === 'node-agent')?.agentSocket;
    const kube = new KubernetesHttpClient(
      loadKubeConfig({ yaml: cloud.kubernetes.kubeconfig('developer') }),
      { userAgent: 'podsg-walkthrough' },
    );
    const writer = new KubernetesObjectWriter(kube);

    // ---- the groups, the rule and the database's interface, through the EC2 Query front
    const createGroup = async (GroupName, Description) =>
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName, Description, VpcId: VPC })))
        .GroupId;
    const rdsAccess = await createGroup('rds-access', 'apps that need access to RDS');
    const database = await createGroup('rds-database', 'the PostgreSQL database');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: database,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            UserIdGroupPairs: [{ GroupId: rdsAccess, Description: 'apps that need access to RDS' }],
          },
        ],
      }),
    );
    // The database's host (as RDS runs one: an instance in its subnet), put behind its group
    // through the EC2 front.
    const dbInstance = cloud.fakeEc2.addInstance({
      instanceType: 'm5.large',
      subnetId: 'subnet-0a000003',
    });
    const dbEni = dbInstance.networkInterfaces[0];
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: dbEni.networkInterfaceId,
        Groups: [database],
      }),
    );
    say(
      `EC2: rds-access ${rdsAccess}, rds-database ${database} (5432 from rds-access), database ${dbEni.networkInterfaceId} ${dbEni.privateIpAddress}`,
    );

    // ---- the VPC's side: fabric namespace at the far end of the trunk and the primary ENI
    const instance = cloud.fakeEc2.instances().find((i) => i.subnetId === 'subnet-0a000001');
    const primaryEni = instance.networkInterfaces.find((eni) => eni.attachment?.deviceIndex === 0);
    for (const netns of [FABRIC, DB_NETNS]) {
      must(IP, ['netns', 'add', netns]);
      must(IP, ['-n', netns, 'link', 'set', 'lo', 'up']);
    }
    must(IP, ['link', 'add', TRUNK, 'mtu', '9001', 'type', 'veth', 'peer', 'name', 'trunk']);
    must(IP, ['link', 'set', 'trunk', 'netns', FABRIC]);
    must(IP, ['link', 'set', TRUNK, 'up']);
    must(IP, ['-n', FABRIC, 'link', 'set', 'trunk', 'up']);
    must(IP, ['link', 'add', PRIMARY, 'type', 'veth', 'peer', 'name', 'node0']);
    must(IP, ['link', 'set', 'node0', 'netns', FABRIC]);
    must(IP, ['link', 'set', PRIMARY, 'address', primaryEni.macAddress, 'up']);
    must(IP, ['addr', 'add', `${primaryEni.privateIpAddress}/24`, 'dev', PRIMARY]);
    must(IP, ['route', 'add', 'default', 'via', '10.0.1.1', 'dev', PRIMARY]);
    must(IP, ['link', 'add', 'db0', 'type', 'veth', 'peer', 'name', 'eth0']);
    must(IP, ['link', 'set', 'db0', 'netns', FABRIC]);
    must(IP, ['link', 'set', 'eth0', 'netns', DB_NETNS]);
    const db = (...args) => must(IP, ['-n', DB_NETNS, ...args]);
    db('link', 'set', 'eth0', 'address', dbEni.macAddress, 'up');
    db('addr', 'add', `${dbEni.privateIpAddress}/24`, 'dev', 'eth0');
    db('route', 'add', 'default', 'via', '10.0.3.1', 'dev', 'eth0');
    fabric = await KernelVpcFabric.start({
      ec2: cloud.fakeEc2,
      netns: FABRIC,
      trunkDevice: 'trunk',
      instanceId: instance.instanceId,
      attachments: [
        { interfaceId: dbEni.networkInterfaceId, device: 'db0' },
        // Pods without a branch leave through the node's primary interface (its groups).
        { interfaceId: primaryEni.networkInterfaceId, device: 'node0' },
      ],
      ip: IP,
      onChange: (event) =>
        say(
          event.kind === 'applied'
            ? `fabric: links +[${event.added.join(' ')}] -[${event.removed.join(' ')}]${event.rulesetChanged ? ', ruleset re-compiled' : ''}`
            : `fabric: ${event.message}`,
        ),
    });
    // The node's pod range behind its primary interface (replies to postgres-test-no-sa).
    must(IP, [
      '-n',
      FABRIC,
      'route',
      'add',
      `${NO_SA_ADDRESS}/32`,
      'via',
      primaryEni.privateIpAddress,
      'dev',
      'node0',
    ]);
    const server = spawn(
      IP,
      [
        'netns',
        'exec',
        DB_NETNS,
        process.execPath,
        '-e',
        serverScript,
        dbEni.privateIpAddress,
        '5432',
        GREETING,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(server);
    await new Promise((resolve, reject) => {
      server.stdout.on('data', (chunk) => String(chunk).includes('listening') && resolve());
      server.on('exit', (code) => reject(new Error(`database server exited ${code}`)));
    });
    say(`database listening on ${dbEni.privateIpAddress}:5432 at ${stamp()}`);

    // ---- the Kubernetes objects, as the developer applies them
    const policy = (groupIds) => ({
      apiVersion: 'vpcresources.k8s.aws/v1beta1',
      kind: 'SecurityGroupPolicy',
      metadata: { name: 'allow-rds-access', namespace: 'default' },
      spec: {
        serviceAccountSelector: { matchLabels: { role: 'backend' } },
        securityGroups: { groupIds },
      },
    });
    const serviceAccount = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'rds-db-access', namespace: 'default', labels: { role: 'backend' } },
    };
    const pod = (name, sa) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        ...(sa ? { serviceAccountName: sa } : {}),
        containers: [
          {
            name: 'postgres-test',
            image: 'public.ecr.aws/docker/library/postgres:16',
            command: ['sleep', 'infinity'],
          },
        ],
      },
    });
    const withAccess = [rdsAccess, CLUSTER_SG];
    await writer.apply(policy(withAccess));
    await writer.apply(serviceAccount);
    await writer.apply(pod('postgres-test', 'rds-db-access'));
    await writer.apply(pod('postgres-test-no-sa', null));
    writeFileSync(`${FILES}/service-account.yaml`, JSON.stringify(serviceAccount));
    const getPod = (name) =>
      kube.request({
        method: 'GET',
        path: `/api/v1/namespaces/default/pods/${name}`,
        operation: `get pod ${name}`,
      });

    let annotated;
    await check('walkthrough/postgres-test-annotated', async () => {
      for (let i = 0; i < 600; i++) {
        const current = await getPod('postgres-test');
        if (current.metadata?.annotations?.['vpc.amazonaws.com/pod-eni']) {
          annotated = current;
          break;
        }
        await sleep(250);
      }
      expect(annotated, 'postgres-test has no pod-eni annotation after 150 s');
      say(
        `postgres-test annotated at ${stamp()}: ${annotated.metadata.annotations['vpc.amazonaws.com/pod-eni']}`,
      );
    });
    if (!annotated) return;
    const branch = JSON.parse(annotated.metadata.annotations['vpc.amazonaws.com/pod-eni'])[0];
    const noSa = await getPod('postgres-test-no-sa');
    check('walkthrough/postgres-test-no-sa-has-no-branch', () =>
      expect(
        !noSa.metadata?.annotations?.['vpc.amazonaws.com/pod-eni'],
        `postgres-test-no-sa got ${noSa.metadata?.annotations?.['vpc.amazonaws.com/pod-eni']}`,
      ),
    );

    // ---- the pods' networks: podsg-cni ADD (the real node agent answers), and the no-sa pod
    must(IP, ['netns', 'add', 'pod-postgres-test']);
    await check('walkthrough/postgres-test-cni-add', async () => {
      let add;
      // The node agent learns the annotation from its watch; until then ADD says "try again".
      for (let i = 0; i < 60; i++) {
        add = await runAsync(pluginArgv[0], pluginArgv.slice(1), {
          input: JSON.stringify({
            cniVersion: '1.0.0',
            name: 'podsg',
            type: 'podsg-cni',
            podSGEnforcingMode: 'strict',
            mtu: 9001,
            vethPrefix: 'eni',
            agentSocket,
            logFile: '/tmp/walkthrough-cni.log',
          }),
          env: {
            PATH: process.env.PATH,
            CNI_COMMAND: 'ADD',
            CNI_CONTAINERID: 'walkthrough-postgres-test',
            CNI_NETNS: '/var/run/netns/pod-postgres-test',
            CNI_IFNAME: 'eth0',
            CNI_PATH: '/opt/cni/bin',
            CNI_ARGS: [
              'IgnoreUnknown=1',
              'K8S_POD_NAMESPACE=default',
              'K8S_POD_NAME=postgres-test',
              'K8S_POD_INFRA_CONTAINER_ID=walkthrough-postgres-test',
              `K8S_POD_UID=${annotated.metadata.uid}`,
            ].join(';'),
          },
        });
        // Code 11 (try again later) while the agent has not seen the annotation; others are final.
        if (add.status === 0 || JSON.parse(add.stdout || '{}').code !== 11) break;
        await sleep(1000);
      }
      expect(
        add.status === 0,
        `ADD: exit ${add.status}: ${add.stdout.trim()} ${add.stderr.trim()}`,
      );
      const [link] = JSON.parse(
        must(IP, ['-j', '-d', 'link', 'show', 'dev', `vlan.eth.${branch.vlanId}`]),
      );
      expect(link?.linkinfo?.info_data?.id === branch.vlanId, `no VLAN ${branch.vlanId} device`);
      say(
        `postgres-test: podsg-cni ADD made vlan.eth.${branch.vlanId} (${branch.privateIp}) at ${stamp()}`,
      );
    });
    must(IP, ['netns', 'add', 'pod-postgres-test-no-sa']);
    must(IP, ['link', 'add', 'nosa0', 'type', 'veth', 'peer', 'name', 'eth0']);
    must(IP, ['link', 'set', 'eth0', 'netns', 'pod-postgres-test-no-sa']);
    must(IP, ['link', 'set', 'nosa0', 'up']);
    must(IP, ['route', 'add', `${NO_SA_ADDRESS}/32`, 'dev', 'nosa0']);
    const nosa = (...args) => must(IP, ['-n', 'pod-postgres-test-no-sa', ...args]);
    nosa('link', 'set', 'lo', 'up');
    nosa('link', 'set', 'eth0', 'up');
    nosa('addr', 'add', `${NO_SA_ADDRESS}/32`, 'dev', 'eth0');
    nosa('route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link');
    nosa('route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0');
    must('sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/conf/nosa0/proxy_arp']);

    // ---- connect, and ask explain --reach
    const connect = async (name) =>
      (
        await runAsync(IP, [
          'netns',
          'exec',
          `pod-${name}`,
          process.execPath,
          '-e',
          clientScript,
          dbEni.privateIpAddress,
          '5432',
          String(CONNECT_TIMEOUT_MS),
        ])
      ).stdout.trim();
    const explain = async (name, groupIds) => {
      const current = await getPod(name);
      writeFileSync(`${FILES}/pod-${name}.yaml`, JSON.stringify(current));
      writeFileSync(`${FILES}/policy.yaml`, JSON.stringify(policy(groupIds)));
      const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
      const enis = await ec2.send(new DescribeNetworkInterfacesCommand({}));
      writeFileSync(
        `${FILES}/security-groups.json`,
        JSON.stringify({
          SecurityGroups: groups.SecurityGroups,
          NetworkInterfaces: enis.NetworkInterfaces,
        }),
      );
      const out = await runAsync(process.execPath, [
        PODSGD,
        'explain',
        '--policies',
        `${FILES}/policy.yaml`,
        '--pod',
        `${FILES}/pod-${name}.yaml`,
        ...(current.spec?.serviceAccountName
          ? ['--service-account', `${FILES}/service-account.yaml`]
          : []),
        '--reach',
        '--to',
        `${dbEni.privateIpAddress}:5432`,
        '--security-groups',
        `${FILES}/security-groups.json`,
        '--json',
      ]);
      if (out.status !== 0)
        throw new Error(`explain --reach exited ${out.status}: ${out.stderr.trim()}`);
      return JSON.parse(out.stdout);
    };
    const expectOutcome = async (label, name, groupIds, wantConnected) => {
      await check(`walkthrough/${label}`, async () => {
        const outcome = await connect(name);
        console.log(`${name}: ${outcome}`);
        expect(
          wantConnected ? outcome === `connected: ${GREETING}` : outcome === 'timed out after 3 s',
          `${name}: ${outcome}, want ${wantConnected ? 'connected' : 'timed out after 3 s'}`,
        );
        const reach = await explain(name, groupIds);
        say(
          `explain --reach ${name}: allowed ${reach.allowed}, pod groups ${JSON.stringify(reach.podGroupIds)}`,
        );
        expect(
          reach.allowed === wantConnected,
          `explain --reach says allowed ${reach.allowed} for ${name}, observed ${outcome}`,
        );
      });
    };
    const branchGroups = () =>
      cloud.fakeEc2.interfaces().find((eni) => eni.networkInterfaceId === branch.eniId)?.groupIds ??
      [];
    const waitForGroups = async (label, want) => {
      const sorted = [...want].sort();
      await check(`walkthrough/${label}`, async () => {
        for (let i = 0; i < 600; i++) {
          const enforced = fabric.interfaces.find((eni) => eni.id === branch.eniId)?.groupIds ?? [];
          if (JSON.stringify([...enforced].sort()) === JSON.stringify(sorted)) {
            say(
              `${label}: branch ${branch.eniId} carries ${JSON.stringify(branchGroups())} in EC2 and in the fabric at ${stamp()}`,
            );
            return;
          }
          await sleep(250);
        }
        throw new Error(
          `branch ${branch.eniId} carries ${JSON.stringify(branchGroups())}, want ${JSON.stringify(sorted)}`,
        );
      });
    };
    await waitForGroups('branch-carries-rds-access', withAccess);
    await expectOutcome('postgres-test-connects', 'postgres-test', withAccess, true);
    await expectOutcome('postgres-test-no-sa-times-out', 'postgres-test-no-sa', withAccess, false);

    // ---- the database group out of the policy, then back: the running pod follows
    await writer.apply(policy([CLUSTER_SG]));
    await waitForGroups('policy-without-rds-access-reaches-branch', [CLUSTER_SG]);
    await expectOutcome(
      'postgres-test-times-out-without-rds-access',
      'postgres-test',
      [CLUSTER_SG],
      false,
    );
    await writer.apply(policy(withAccess));
    await waitForGroups('policy-with-rds-access-again-reaches-branch', withAccess);
    await expectOutcome('postgres-test-connects-again', 'postgres-test', withAccess, true);
    await check('walkthrough/postgres-test-not-recreated', async () => {
      const current = await getPod('postgres-test');
      expect(current.metadata.uid === annotated.metadata.uid, 'postgres-test was recreated');
    });
    kube.close();
    ec2.destroy();
  } catch (error) {
    failures += 1;
    await check('walkthrough/ran', () => {
      throw error;
    });
  } finally {
    if (failures > 0) {
      for (const file of ['controller-0', `node-agent-${NODE}`]) {
        const log = await runAsync('tail', ['-n', '25', `${STATE}/logs/${file}.log`]);
        console.log(`---- ${file}.log (last 25 lines)\n${log.stdout.trimEnd()}\n----`);
      }
      const cniLog = await runAsync('tail', ['-n', '20', '/tmp/walkthrough-cni.log']);
      console.log(`---- podsg-cni log\n${cniLog.stdout.trimEnd()}\n----`);
    }
    for (const child of children) child.kill('SIGTERM');
    await fabric?.close();
    await dev?.stop();
    say(`done at ${stamp()}`);
  }
}
