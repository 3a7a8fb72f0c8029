/* global console, process */
// In the VM (run by init with the real node): drives the real podsg-cni against a stub
// agent on a dummy trunk link and asserts the kernel state with `ip -j`, as docs/architecture.md
// ("Route plan", "CNI plugin and node agent") specifies; then plays the walkthrough through
// the real daemon chain (walkthrough.js). Prints `KTEST PASS name`,
// `KTEST FAIL name: reason`, and finally `kernel: N passed, M failed`.
//
// `ktest.mode=selfcheck` on the kernel command line runs only the harness self-check
// (a VLAN device made by hand), for developing the harness without the plugin.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const IP = '/usr/bin/ip'; // iproute2, not the busybox applet
const PLUGIN = '/podsg/examples/reference-daemon/bin/podsg-cni.js';
// The forwarding shim as `npm run build` compiles it; a copy without its Node.js fallback next to
// it, so a call that did not go through the agent's POST /v1/cni fails instead of passing.
const SHIM = '/podsg/examples/reference-daemon/dist/cni-shim/podsg-cni';
const SHIM_ONLY = '/tmp/shim-only/podsg-cni';
const STUB_AGENT = '/podsg/scripts/kernel-test/stub-agent.js';
const AGENT_SOCKET = '/run/podsg/agent.sock';
const PLUGIN_LOG = '/tmp/podsg-cni.log';
const WALKTHROUGH = '/podsg/scripts/kernel-test/walkthrough.js';
const TRUNK = 'eth1';
const VPC_NETNS = 'ktest-vpc'; // the far end of the trunk: the VPC's side of each VLAN
const MTU = 9001;
const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
const startedAt = uptime();
const mode =
  /(?:^|\s)ktest\.mode=(\S+)/.exec(readFileSync('/proc/cmdline', 'utf8'))?.[1] ?? 'plugin';

// ---- reporting -------------------------------------------------------------------------

let passed = 0;
let failed = 0;

/** Runs one named assertion; it fails by throwing. Returns whether it passed. */
function check(name, assertion) {
  try {
    assertion();
    passed += 1;
    console.log(`KTEST PASS ${name}`);
    return true;
  } catch (error) {
    failed += 1;
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`KTEST FAIL ${name}: ${reason.replace(/\s*\n\s*/g, ' | ')}`);
    return false;
  }
}

/** `check` for an assertion that may be async (resolves to whether it passed). */
async function checkAsync(name, assertion) {
  let outcome;
  const passedNow = check(name, () => {
    outcome = assertion();
  });
  if (!passedNow || !(outcome instanceof Promise)) return passedNow;
  passed -= 1; // counted again below, once the promise settles
  return outcome.then(
    () => {
      passed += 1;
      return true;
    },
    (error) => {
      failed += 1;
      const reason = error instanceof Error ? error.message : String(error);
      console.log(`KTEST FAIL ${name}: ${reason.replace(/\s*\n\s*/g, ' | ')}`);
      return false;
    },
  );
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const show = (value) => JSON.stringify(value);

/** JSON from a command's stdout, or an error quoting what came instead. */
function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} printed no JSON: ${text.trim() || '(empty)'}`);
  }
}

// ---- commands --------------------------------------------------------------------------

/** Runs a command to completion; never throws. */
function run(command, args, { input, env } = {}) {
  const result = spawnSync(command, args, {
    input: input ?? '',
    env: env ?? process.env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    status: result.status ?? -1,
    stdout: result.stdout ?? '',
    stderr: (result.stderr ?? '') + (result.error ? String(result.error) : ''),
  };
}

/** Runs a command that must succeed; throws naming it otherwise. */
function must(command, args, options) {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} -> ${result.status}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** `ip -j …` parsed; [] when the object does not exist (ip exits non-zero then). */
function ipJson(args, netns) {
  const result = run(IP, [...(netns ? ['-n', netns] : []), '-j', ...args]);
  if (result.status !== 0) return [];
  const text = result.stdout.trim();
  return text ? JSON.parse(text) : [];
}

const linkExists = (name, netns) => ipJson(['link', 'show', 'dev', name], netns).length > 0;

// ---- expectations shared by the self-check and the plugin test -------------------------

/** `vlan.eth.N` exists on the trunk with MAC, kind vlan, VLAN id N, and is up. */
function assertVlanDevice(name, vlanId, mac) {
  const [link] = ipJson(['-d', 'link', 'show', 'dev', name]);
  expect(link, `${name} does not exist`);
  expect(link.address === mac.toLowerCase(), `${name} has MAC ${link.address}, want ${mac}`);
  expect(
    link.linkinfo?.info_kind === 'vlan',
    `${name} kind is ${link.linkinfo?.info_kind}, want vlan`,
  );
  expect(
    link.linkinfo?.info_data?.id === vlanId,
    `${name} VLAN id ${link.linkinfo?.info_data?.id}, want ${vlanId}`,
  );
  expect(
    link.linkinfo?.info_data?.protocol === '802.1Q',
    `${name} protocol ${link.linkinfo?.info_data?.protocol}`,
  );
  expect(link.link === TRUNK, `${name} parent is ${link.link}, want ${TRUNK}`);
  expect(link.flags?.includes('UP'), `${name} is not up (flags ${show(link.flags)})`);
}

function printVlanDevice(name) {
  console.log(`---- ip -d link show ${name}`);
  console.log(run(IP, ['-d', 'link', 'show', 'dev', name]).stdout.trimEnd());
  console.log('----');
}

function findRoute(routes, want, where) {
  const found = routes.find((route) =>
    Object.entries(want).every(([key, value]) => route[key] === value),
  );
  expect(found, `no route ${show(want)} in ${where}; have ${show(routes)}`);
}

/** A rule matches when every wanted key matches; src/dst are host addresses (/32). */
function ruleMatches(rule, want) {
  return Object.entries(want).every(([key, value]) => {
    if (key === 'src' || key === 'dst') {
      return rule[key] === value && (rule[`${key}len`] ?? 32) === 32;
    }
    return String(rule[key]) === String(value);
  });
}

// ---- the harness self-check ------------------------------------------------------------

function selfCheck() {
  const name = 'vlan.eth.7';
  const mac = '0a:58:0a:00:07:0a';
  check('selfcheck/vlan-device-by-hand', () => {
    must(IP, [
      'link',
      'add',
      'link',
      TRUNK,
      'name',
      name,
      'address',
      mac,
      'type',
      'vlan',
      'id',
      '7',
    ]);
    must(IP, ['link', 'set', name, 'up']);
    assertVlanDevice(name, 7, mac);
  });
  if (mode === 'selfcheck') printVlanDevice(name);
  check('selfcheck/vlan-device-removed', () => {
    must(IP, ['link', 'del', name]);
    expect(!linkExists(name), `${name} still exists after ip link del`);
  });
}

// ---- the real plugin -------------------------------------------------------------------

/** The pods the stub agent knows, and what the plugin must make of them. */
const pods = [
  {
    label: 'strict',
    route: 'agent', // shim → node agent
    mode: 'strict',
    namespace: 'default',
    name: 'web-1',
    uid: '2f6b0c1e-7d4a-4b8e-9c61-5a3f0e7d0007',
    netns: 'ktest-web-1',
    branch: {
      eniId: 'eni-0a1b2c3d4e5f60007',
      ifAddress: '0a:58:0a:00:07:0a',
      privateIp: '10.0.7.10',
      vlanId: 7,
      subnetCidr: '10.0.7.0/24',
      associationID: 'trunk-assoc-0a1b2c3d4e5f60007',
    },
    gateway: '10.0.7.1',
  },
  {
    label: 'standard',
    route: 'node', // the Node.js plugin, as without an agent serving POST /v1/cni
    mode: 'standard',
    namespace: 'default',
    name: 'web-2',
    uid: '9a0d3c55-1e2f-4a6b-8c7d-3e4f5a6b0008',
    netns: 'ktest-web-2',
    branch: {
      eniId: 'eni-0a1b2c3d4e5f60008',
      ifAddress: '0a:58:0a:00:08:0a',
      privateIp: '10.0.8.10',
      vlanId: 8,
      subnetCidr: '10.0.8.0/24',
      associationID: 'trunk-assoc-0a1b2c3d4e5f60008',
    },
    gateway: '10.0.8.1',
  },
];
/** Needs a branch that the controller has not annotated yet: code 11, nothing created. */
const unannotated = {
  label: 'unannotated',
  route: 'agent',
  mode: 'strict',
  namespace: 'default',
  name: 'web-3',
  uid: '5c1e2f3a-4b5c-4d6e-8f70-81920a0b0003',
  netns: 'ktest-web-3',
};

const hostVeth = (pod) =>
  (pod.mode === 'strict' ? 'vlan' : 'eni') +
  createHash('sha1').update(`${pod.namespace}.${pod.name}`).digest('hex').slice(0, 11);
const vlanName = (pod) => `vlan.eth.${pod.branch.vlanId}`;
const table = (pod) => 100 + pod.branch.vlanId;

function netConf(pod, prevResult) {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'podsg',
    type: 'podsg-cni',
    podSGEnforcingMode: pod.mode,
    mtu: MTU,
    vethPrefix: 'eni',
    agentSocket: AGENT_SOCKET,
    logFile: PLUGIN_LOG,
    ...(prevResult ? { prevResult } : {}),
  });
}

function runPlugin(command, pod, prevResult) {
  const env = {
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: `ktest-${pod.name}`,
    CNI_NETNS: `/var/run/netns/${pod.netns}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
    CNI_ARGS: [
      'IgnoreUnknown=1',
      `K8S_POD_NAMESPACE=${pod.namespace}`,
      `K8S_POD_NAME=${pod.name}`,
      `K8S_POD_INFRA_CONTAINER_ID=ktest-${pod.name}`,
      `K8S_POD_UID=${pod.uid}`,
    ].join(';'),
  };
  const started = uptime();
  const viaAgent = pod.route === 'agent' && existsSync(SHIM_ONLY);
  const result = viaAgent
    ? run(SHIM_ONLY, [], { input: netConf(pod, prevResult), env })
    : run('node', [PLUGIN], { input: netConf(pod, prevResult), env });
  const seconds = (uptime() - started).toFixed(2);
  const via = viaAgent ? 'shim → agent' : 'Node.js plugin';
  console.log(`KTEST INFO ${pod.label} ${command} (${via}): exit ${result.status} in ${seconds}s`);
  return result;
}

function describeFailure(result) {
  return `exit ${result.status}, stdout ${result.stdout.trim() || '(empty)'}, stderr ${result.stderr.trim() || '(empty)'}`;
}

async function startAgent() {
  const answers = {};
  for (const pod of pods) {
    answers[`${pod.namespace}/${pod.name}`] = {
      podUid: pod.uid,
      required: true,
      branch: pod.branch,
      trunkLink: TRUNK,
    };
  }
  answers[`${unannotated.namespace}/${unannotated.name}`] = {
    podUid: unannotated.uid,
    required: true,
    branch: null,
    trunkLink: TRUNK,
  };
  answers[`${benchPod.namespace}/${benchPod.name}`] = {
    podUid: benchPod.uid,
    required: true,
    branch: benchPod.branch,
    trunkLink: TRUNK,
  };
  writeFileSync('/run/podsg/pods.json', JSON.stringify(answers));
  // The stub agent serves POST /v1/cni with the real NodeAgentCniRunner: it wires the pods.
  const agent = spawn('node', [STUB_AGENT, AGENT_SOCKET, '/run/podsg/pods.json'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 300 && !existsSync(AGENT_SOCKET); i += 1) await sleep(100);
  check('stub-agent/listening', () =>
    expect(existsSync(AGENT_SOCKET), `no socket ${AGENT_SOCKET} after 30 s`),
  );
  return agent;
}

/** ADD one pod and assert the whole route plan; returns the ADD result (or undefined). */
function addAndAssert(pod) {
  const p = pod.branch.privateIp;
  const vlan = vlanName(pod);
  const veth = hostVeth(pod);
  const t = table(pod);
  must(IP, ['netns', 'add', pod.netns]);

  let result;
  check(`${pod.label}/add`, () => {
    const add = runPlugin('ADD', pod);
    expect(add.status === 0, describeFailure(add));
    result = parseJson(add.stdout, 'ADD');
  });
  check(`${pod.label}/add-result`, () => {
    expect(result, 'no ADD result');
    expect(result.cniVersion === '1.0.0', `cniVersion ${result.cniVersion}`);
    const names = (result.interfaces ?? []).map((i) => i.name);
    for (const name of [veth, 'eth0', vlan])
      expect(names.includes(name), `interfaces ${show(names)} lack ${name}`);
    const podIf = result.interfaces.find((i) => i.name === 'eth0');
    expect(podIf.sandbox === `/var/run/netns/${pod.netns}`, `eth0 sandbox ${podIf.sandbox}`);
    const ips = (result.ips ?? []).map((i) => i.address);
    expect(ips.includes(`${p}/32`), `ips ${show(ips)} lack ${p}/32`);
  });

  check(`${pod.label}/vlan-device`, () =>
    assertVlanDevice(vlan, pod.branch.vlanId, pod.branch.ifAddress),
  );
  printVlanDevice(vlan);

  check(`${pod.label}/table-${t}`, () => {
    const routes = ipJson(['route', 'show', 'table', String(t)]);
    findRoute(routes, { dst: pod.gateway, dev: vlan, scope: 'link' }, `table ${t}`);
    findRoute(routes, { dst: 'default', gateway: pod.gateway, dev: vlan }, `table ${t}`);
    if (pod.mode === 'strict')
      findRoute(routes, { dst: p, dev: veth, scope: 'link' }, `table ${t}`);
  });

  check(`${pod.label}/main-table`, () => {
    const routes = ipJson(['route', 'show', 'table', 'main']);
    const inMain = routes.filter((route) => route.dst === p);
    if (pod.mode === 'standard')
      findRoute(routes, { dst: p, dev: veth, scope: 'link' }, 'table main');
    else expect(inMain.length === 0, `strict pod has a route in main: ${show(inMain)}`);
  });

  check(`${pod.label}/rules`, () => {
    const rules = ipJson(['rule', 'show']);
    const wanted =
      pod.mode === 'strict'
        ? [
            { priority: 10, iif: vlan, table: t },
            { priority: 10, iif: veth, table: t },
          ]
        : [
            { priority: 512, dst: p, table: 'main' },
            { priority: 1536, src: p, table: t },
          ];
    for (const want of wanted) {
      expect(
        rules.some((rule) => ruleMatches(rule, want)),
        `no rule ${show(want)}; have ${show(rules)}`,
      );
    }
  });

  let vethMac;
  check(`${pod.label}/host-veth`, () => {
    const [link] = ipJson(['link', 'show', 'dev', veth]);
    expect(link, `host veth ${veth} does not exist`);
    expect(link.flags?.includes('UP'), `${veth} is not up`);
    vethMac = link.address;
  });

  check(`${pod.label}/pod-address`, () => {
    const [link] = ipJson(['addr', 'show', 'dev', 'eth0'], pod.netns);
    expect(link, `no eth0 in netns ${pod.netns}`);
    expect(link.mtu === MTU, `eth0 mtu ${link.mtu}, want ${MTU}`);
    expect(link.flags?.includes('UP'), 'eth0 is not up');
    const addrs = (link.addr_info ?? []).filter((a) => a.family === 'inet');
    expect(
      addrs.some((a) => a.local === p && a.prefixlen === 32),
      `eth0 addresses ${show(addrs)} lack ${p}/32`,
    );
  });

  check(`${pod.label}/pod-routes`, () => {
    const routes = ipJson(['route', 'show'], pod.netns);
    findRoute(routes, { dst: '169.254.1.1', dev: 'eth0', scope: 'link' }, `netns ${pod.netns}`);
    findRoute(
      routes,
      { dst: 'default', gateway: '169.254.1.1', dev: 'eth0' },
      `netns ${pod.netns}`,
    );
  });

  check(`${pod.label}/pod-neighbour`, () => {
    const neighbours = ipJson(['neigh', 'show', 'dev', 'eth0'], pod.netns);
    const gw = neighbours.find((n) => n.dst === '169.254.1.1');
    expect(gw, `no neighbour 169.254.1.1 in ${show(neighbours)}`);
    expect(gw.lladdr === vethMac, `neighbour lladdr ${gw.lladdr}, want host veth MAC ${vethMac}`);
    expect(gw.state?.includes('PERMANENT'), `neighbour state ${show(gw.state)}`);
  });
  return result;
}

/**
 * The pod reaches its subnet gateway through VLAN N: the VPC side answers only on a VLAN
 * N device (and knows the branch MAC, as the VPC fabric does), so a reply proves that the
 * frames left tagged and that the return path through table 100+N reaches the pod.
 */
function assertDataPath(pod) {
  const n = String(pod.branch.vlanId);
  const far = `vlan${n}`;
  const prefix = pod.branch.subnetCidr.split('/')[1];
  check(`${pod.label}/ping-gateway-over-vlan-${n}`, () => {
    const vpc = (...args) => must(IP, ['-n', VPC_NETNS, ...args]);
    vpc('link', 'add', 'link', 'trunk', 'name', far, 'type', 'vlan', 'id', n);
    vpc('addr', 'add', `${pod.gateway}/${prefix}`, 'dev', far);
    vpc('link', 'set', far, 'up');
    const branch = pod.branch;
    vpc(
      'neigh',
      'replace',
      branch.privateIp,
      'lladdr',
      branch.ifAddress,
      'dev',
      far,
      'nud',
      'permanent',
    );
    const ping = run(IP, ['netns', 'exec', pod.netns, 'ping', '-c', '2', '-W', '5', pod.gateway]);
    expect(
      ping.status === 0,
      `ping ${pod.gateway} from the pod failed: ${ping.stdout.trim()} ${ping.stderr.trim()}`,
    );
    const [stats] = ipJson(['-s', 'link', 'show', 'dev', vlanName(pod)]);
    const tx = stats?.stats64?.tx?.packets ?? 0;
    const rx = stats?.stats64?.rx?.packets ?? 0;
    expect(tx > 0 && rx > 0, `${vlanName(pod)} counted tx ${tx}, rx ${rx} packets`);
  });
}

/** CHECK names what differs once the live state drifts from the plan. */
function assertCheckDetectsDrift(pod, addResult) {
  check(`${pod.label}/check-detects-drift`, () => {
    must(IP, ['route', 'del', 'default', 'table', String(table(pod))]);
    const result = runPlugin('CHECK', pod, addResult);
    expect(result.status !== 0, `CHECK passed with the default route of table ${table(pod)} gone`);
    const error = parseJson(result.stdout, 'CHECK');
    expect(
      typeof error.code === 'number' && error.msg,
      `CHECK error lacks code or msg: ${result.stdout.trim()}`,
    );
    console.log(
      `KTEST INFO ${pod.label} CHECK after drift: code ${error.code}: ${error.msg} ${error.details ?? ''}`,
    );
  });
}

/** Asserts that nothing of the pod is left in the host. */
function assertGone(pod) {
  const p = pod.branch.privateIp;
  const t = table(pod);
  check(`${pod.label}/nothing-left`, () => {
    expect(!linkExists(vlanName(pod)), `${vlanName(pod)} still exists`);
    expect(!linkExists(hostVeth(pod)), `host veth ${hostVeth(pod)} still exists`);
    const routes = ipJson(['route', 'show', 'table', String(t)]);
    expect(routes.length === 0, `table ${t} still has ${show(routes)}`);
    const mainRoutes = ipJson(['route', 'show', 'table', 'main']).filter((r) => r.dst === p);
    expect(mainRoutes.length === 0, `main still routes ${show(mainRoutes)}`);
    const rules = ipJson(['rule', 'show']).filter(
      (r) => String(r.table) === String(t) || r.src === p || r.dst === p,
    );
    expect(rules.length === 0, `rules left: ${show(rules)}`);
    expect(!linkExists('eth0', pod.netns), `eth0 still exists in netns ${pod.netns}`);
  });
}

function deleteTwice(pod, addResult) {
  for (const round of [1, 2]) {
    check(`${pod.label}/del-${round}`, () => {
      const del = runPlugin('DEL', pod, addResult);
      expect(del.status === 0, describeFailure(del));
    });
  }
}

async function pluginTest() {
  if (
    !check('plugin/present', () =>
      expect(existsSync(PLUGIN), `${PLUGIN} is missing from the image`),
    )
  )
    return;
  if (existsSync(SHIM)) {
    mkdirSync('/tmp/shim-only', { recursive: true });
    copyFileSync(SHIM, SHIM_ONLY);
  } else {
    console.log(
      `KTEST INFO no shim built (no C compiler on the host): every call runs the Node.js plugin`,
    );
  }
  const agent = await startAgent();
  try {
    const results = new Map();
    for (const pod of pods) results.set(pod, addAndAssert(pod));
    for (const pod of pods) assertDataPath(pod);

    for (const pod of pods) {
      check(`${pod.label}/check`, () => {
        const result = runPlugin('CHECK', pod, results.get(pod));
        expect(result.status === 0, describeFailure(result));
      });
    }

    const [strict, standard] = pods;
    // DEL below must also cope with this partly torn-down state.
    assertCheckDetectsDrift(strict, results.get(strict));
    deleteTwice(strict, results.get(strict));
    assertGone(strict);
    check('standard/untouched-by-strict-del', () =>
      assertVlanDevice(vlanName(standard), standard.branch.vlanId, standard.branch.ifAddress),
    );
    deleteTwice(standard, results.get(standard));
    assertGone(standard);

    check('unannotated/add-try-again', () => {
      must(IP, ['netns', 'add', unannotated.netns]);
      const before = ipJson(['link', 'show'])
        .map((l) => l.ifname)
        .sort();
      const add = runPlugin('ADD', unannotated);
      expect(add.status !== 0, `ADD succeeded: ${add.stdout.trim()}`);
      const error = parseJson(add.stdout, 'ADD');
      expect(error.code === 11, `error code ${error.code}, want 11: ${add.stdout.trim()}`);
      const after = ipJson(['link', 'show'])
        .map((l) => l.ifname)
        .sort();
      expect(show(after) === show(before), `links changed: ${show(before)} -> ${show(after)}`);
      expect(
        ipJson(['link', 'show'], unannotated.netns).every((l) => l.ifname === 'lo'),
        'pod netns got links',
      );
    });
    vmBench();
  } finally {
    agent.kill('SIGTERM');
    for (const pod of [...pods, unannotated, benchPod]) run(IP, ['netns', 'del', pod.netns]);
    run(IP, ['netns', 'del', 'ktest-ptp']);
    run(IP, ['netns', 'del', VPC_NETNS]);
  }
  if (failed > 0 && existsSync(PLUGIN_LOG)) {
    console.log(`---- ${PLUGIN_LOG} (last 40 lines)`);
    console.log(readFileSync(PLUGIN_LOG, 'utf8').trimEnd().split('\n').slice(-40).join('\n'));
    console.log('----');
  }
}

// ---- a branch ADD with a real VLAN, side by side with Debian's ptp ADD ------------------

/** A strict pod used only by the side-by-side timing (not asserted above). */
const benchPod = {
  label: 'bench',
  route: 'agent',
  mode: 'strict',
  namespace: 'default',
  name: 'bench-1',
  uid: '7d1e2f3a-4b5c-4d6e-8f70-81920a0b0009',
  netns: 'ktest-bench-1',
  branch: {
    eniId: 'eni-0a1b2c3d4e5f60009',
    ifAddress: '0a:58:0a:00:09:0a',
    privateIp: '10.0.9.10',
    vlanId: 9,
    subnetCidr: '10.0.9.0/24',
    associationID: 'trunk-assoc-0a1b2c3d4e5f60009',
  },
};

/**
 * Prints (asserts nothing about time) a full branch ADD through the shim and the agent, real
 * VLAN device included, against Debian's `ptp` + `host-local` ADD, alternating, each followed by
 * an untimed DEL. Under qemu TCG every instruction is emulated, so the milliseconds are the VM's;
 * the ratio is the figure.
 */
function vmBench() {
  const ptp = '/opt/cni/bin/ptp';
  if (!existsSync(ptp) || !existsSync(SHIM_ONLY)) {
    console.log('KTEST INFO vm-bench skipped: no ptp in /opt/cni/bin or no shim');
    return;
  }
  must(IP, ['netns', 'add', benchPod.netns]);
  must(IP, ['netns', 'add', 'ktest-ptp']);
  const ptpConf = JSON.stringify({
    cniVersion: '1.0.0',
    name: 'ktest-ptp',
    type: 'ptp',
    ipMasq: false,
    ipam: { type: 'host-local', subnet: '10.44.0.0/24', dataDir: '/tmp/ipam' },
  });
  const ptpEnv = (command) => ({
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: 'ktest-ptp',
    CNI_NETNS: '/var/run/netns/ktest-ptp',
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
  });
  const timed = (action) => {
    const started = process.hrtime.bigint();
    const result = action();
    return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const samples = { ptp: [], branch: [] };
  const rounds = 5;
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? ['ptp', 'branch'] : ['branch', 'ptp'];
    for (const name of order) {
      if (name === 'ptp') {
        const add = timed(() => run(ptp, [], { input: ptpConf, env: ptpEnv('ADD') }));
        if (add.result.status !== 0) throw new Error(`ptp ADD: ${describeFailure(add.result)}`);
        samples.ptp.push(add.ms);
        const prev = JSON.stringify({
          ...JSON.parse(ptpConf),
          prevResult: JSON.parse(add.result.stdout),
        });
        run(ptp, [], { input: prev, env: ptpEnv('DEL') });
      } else {
        const add = timed(() => runPlugin('ADD', benchPod));
        if (add.result.status !== 0) throw new Error(`branch ADD: ${describeFailure(add.result)}`);
        samples.branch.push(add.ms);
        runPlugin('DEL', benchPod, JSON.parse(add.result.stdout));
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [ptpMs, branchMs] = [median(samples.ptp), median(samples.branch)];
  console.log(
    `KTEST INFO vm-bench (qemu TCG, ${rounds} alternating rounds, medians): ptp + host-local ADD ${ptpMs.toFixed(0)} ms; ` +
      `podsg-cni branch ADD, shim → agent, real VLAN ${branchMs.toFixed(0)} ms; ratio ${(branchMs / ptpMs).toFixed(2)}× (goal ≤ 2×)`,
  );
}

// ---- the walkthrough through the real daemon chain (walkthrough.js) ------------------

async function walkthroughTest() {
  // The plugin test's VPC namespace took the trunk with it; its veth goes asynchronously.
  for (let i = 0; i < 100 && linkExists(TRUNK); i += 1) await sleep(100);
  const { walkthrough } = await import(WALKTHROUGH);
  await walkthrough({ check: checkAsync, expect, run, must });
}

// ---- main ------------------------------------------------------------------------------

try {
  console.log(
    `KTEST INFO in-vm test (mode ${mode}) started at uptime ${startedAt}s, node ${process.version}`,
  );
  // Checks made on the host while building the image (e.g. the bin's import closure).
  const hostChecks = existsSync('/podsg-ktest/host-checks')
    ? readFileSync('/podsg-ktest/host-checks', 'utf8')
    : '';
  for (const line of hostChecks.split('\n').filter(Boolean)) {
    const [, verdict, name, reason] = /^(PASS|FAIL) (\S+?):?(?: (.*))?$/.exec(line) ?? [];
    check(`host/${name ?? line}`, () => expect(verdict === 'PASS', reason ?? line));
  }
  check('kernel/8021q-loaded', () =>
    expect(existsSync('/sys/module/8021q'), '/sys/module/8021q is missing'),
  );
  check('kernel/trunk-link', () => {
    // A veth rather than a dummy: its peer in VPC_NETNS plays the VPC fabric, so the
    // data-path checks can send tagged frames through the trunk and get answers.
    must(IP, ['netns', 'add', VPC_NETNS]);
    must(IP, ['link', 'add', TRUNK, 'mtu', String(MTU), 'type', 'veth', 'peer', 'name', 'trunk']);
    must(IP, ['link', 'set', 'trunk', 'netns', VPC_NETNS]);
    must(IP, ['link', 'set', TRUNK, 'up']);
    must(IP, ['-n', VPC_NETNS, 'link', 'set', 'trunk', 'up']);
    // Node precondition that the kubelet's node set-up provides, not the plugin.
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    expect(linkExists(TRUNK), `${TRUNK} missing after creation`);
  });
  selfCheck();
  if (mode !== 'selfcheck') await pluginTest();
  if (mode !== 'selfcheck') await walkthroughTest();
} catch (error) {
  failed += 1;
  console.log(
    `KTEST FAIL in-vm-test: crashed: ${error instanceof Error ? error.stack : String(error)}`,
  );
} finally {
  const done = uptime();
  console.log(
    `KTEST INFO in-vm test took ${(done - startedAt).toFixed(2)}s; uptime at summary ${done}s`,
  );
  const summary = `kernel: ${passed} passed, ${failed} failed`;
  writeFileSync('/tmp/ktest-summary', summary + '\n');
  console.log(summary);
}
