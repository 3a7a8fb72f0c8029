import { checkPrevResultClaims } from '../calculations/checkPrevResultClaims.js';
import { delegateNetworkConfig } from '../calculations/delegateNetworkConfig.js';
import { diffPlanAgainstSnapshot } from '../calculations/diffPlanAgainstSnapshot.js';
import { formatCniError } from '../calculations/formatCniError.js';
import { hostVethName } from '../calculations/hostVethName.js';
import { parseCniEnvironment } from '../calculations/parseCniEnvironment.js';
import { parseNetworkConfig, peekCniVersion } from '../calculations/parseNetworkConfig.js';
import {
  findAttachmentOfHostVeth,
  planGarbageCollection,
} from '../calculations/planGarbageCollection.js';
import { planPodNetwork } from '../calculations/planPodNetwork.js';
import { planPodTeardown } from '../calculations/planPodTeardown.js';
import { podNetworkResult } from '../calculations/podNetworkResult.js';
import { randomLocalMac } from '../calculations/randomLocalMac.js';
import { teardownInputFromPrevResult } from '../calculations/teardownInputFromPrevResult.js';
import { isBranchVlanId } from '../calculations/validatePlanInput.js';
import { vlanDeviceName } from '../calculations/vlanDeviceName.js';
import { CniError } from '../errors/CniError.js';
import type { CniEnvironment } from '../models/CniEnvironment.js';
import type { CniRunnerPorts, CniRunOutcome } from '../models/CniRunnerPorts.js';
import type { NetworkConfig } from '../models/NetworkConfig.js';
import { SUPPORTED_CNI_VERSIONS } from '../models/NetworkConfig.js';
import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import type { PodNetworkInput, PodTeardownInput } from '../models/PodNetworkInput.js';
import type { RoutePlan } from '../models/RoutePlan.js';
import type { PodSandbox } from '../ports/PodNetworkApplier.js';

const LATEST_CNI_VERSION = '1.1.0';
const SUCCESS: CniRunOutcome = { stdout: '', exitCode: 0 };

/** One invocation's parsed inputs and ports. */
interface Invocation {
  env: CniEnvironment;
  rawEnv: Readonly<Record<string, string>>;
  config: NetworkConfig;
  ports: CniRunnerPorts;
  log: (line: string) => void;
}

/**
 * Runs one CNI invocation: parses the environment and stdin, does the command through the ports,
 * and returns what to print on stdout and the exit code. Never throws: failures become CNI error
 * objects (`{cniVersion, code, msg, details}`) with exit code 1.
 *
 * `ports` may be a function of the parsed configuration, so adapters that depend on it (the agent
 * client needs `agentSocket`) are built only once it is known; it is not called for VERSION or
 * for input that fails to parse.
 *
 * - ADD asks the agent about the pod (`K8S_POD_NAMESPACE`/`K8S_POD_NAME` from `CNI_ARGS`):
 *   unknown to the agent, or known under another `K8S_POD_UID` (its cache lags the API server),
 *   or requiring a branch that is not annotated yet: code 11, so the runtime retries. A pod that
 *   needs no branch goes to the delegate (its stdout and exit code returned as they are). Else the
 *   route plan is applied; if a step fails, the teardown is applied and code 101 names the step.
 * - DEL tears down from `prevResult` alone when it lists a `vlan.eth.N`; otherwise from the agent's
 *   answer, or from what the host namespace shows for the pod's host veth; otherwise it hands DEL
 *   to the delegate (if any). It succeeds when everything is already gone.
 * - CHECK verifies what `prevResult` claims (its interfaces, MACs and addresses), then, when the
 *   agent knows the pod's branch on that VLAN, the whole plan for it (code 105 lists what
 *   differs). GC removes stale VLAN devices and their rules (`planGarbageCollection`). STATUS
 *   is code 50 when the agent does not answer. GC, STATUS and CHECK are forwarded to the delegate.
 */
export async function runCniCommand(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  ports: CniRunnerPorts | ((config: NetworkConfig) => CniRunnerPorts),
): Promise<CniRunOutcome> {
  let cniVersion: string = peekCniVersion(stdin) ?? LATEST_CNI_VERSION;
  let log: (line: string) => void = () => undefined;
  try {
    const parsedEnv = parseCniEnvironment(env);
    if (parsedEnv.command === 'VERSION') {
      return {
        stdout: JSON.stringify({ cniVersion, supportedVersions: [...SUPPORTED_CNI_VERSIONS] }),
        exitCode: 0,
      };
    }
    const config = parseNetworkConfig(stdin, parsedEnv.command);
    cniVersion = config.cniVersion;
    const resolved = typeof ports === 'function' ? ports(config) : ports;
    log = resolved.log ?? log;
    const rawEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(env)) if (value !== undefined) rawEnv[key] = value;
    const invocation: Invocation = { env: parsedEnv, rawEnv, config, ports: resolved, log };
    log(
      `${parsedEnv.command} container=${parsedEnv.containerId ?? '-'} pod=${parsedEnv.args.podNamespace ?? '-'}/${parsedEnv.args.podName ?? '-'}`,
    );
    switch (parsedEnv.command) {
      case 'ADD':
        return await add(invocation);
      case 'DEL':
        return await del(invocation);
      case 'CHECK':
        return await check(invocation);
      case 'GC':
        return await gc(invocation);
      case 'STATUS':
        return await status(invocation);
    }
  } catch (error) {
    const result = formatCniError(cniVersion, error);
    log(`error code=${result.code} ${result.msg}`);
    return { stdout: JSON.stringify(result), exitCode: 1 };
  }
}

function podIdentity(env: CniEnvironment): { podNamespace: string; podName: string } {
  const { podNamespace, podName } = env.args;
  if (podNamespace === undefined || podNamespace === '') {
    throw new CniError('InvalidEnvironment', 'CNI_ARGS has no K8S_POD_NAMESPACE', {
      details: 'CNI_ARGS',
    });
  }
  if (podName === undefined || podName === '') {
    throw new CniError('InvalidEnvironment', 'CNI_ARGS has no K8S_POD_NAME', {
      details: 'CNI_ARGS',
    });
  }
  return { podNamespace, podName };
}

async function runDelegate(inv: Invocation): Promise<CniRunOutcome> {
  const delegated = delegateNetworkConfig(inv.config);
  if (delegated === null) return SUCCESS;
  const type = inv.config.delegate?.type ?? '';
  inv.log(`${inv.env.command} handed to delegate ${type}`);
  return inv.ports.delegate.run(type, inv.rawEnv, JSON.stringify(delegated));
}

async function pickHostVethMac(inv: Invocation, avoid: string): Promise<string> {
  const taken = new Set((await inv.ports.host.hostLinkMacs()).map((mac) => mac.toLowerCase()));
  taken.add(avoid.toLowerCase());
  for (let attempt = 0; attempt < 16; attempt++) {
    const mac = randomLocalMac(inv.ports.host.randomBytes(6));
    if (!taken.has(mac)) return mac;
  }
  throw new CniError('TryAgainLater', 'could not pick a host veth MAC that no host link uses');
}

/**
 * What undoes a failed ADD: the teardown, less the deletion of `CNI_IFNAME` inside the pod. If ADD
 * created that interface, deleting the host veth takes it along (a veth pair goes as one); if it
 * failed because the pod already had an interface of that name (which the spec says must be an
 * error), that interface is not podsg's to delete.
 */
function undoPlan(input: PodNetworkInput): RoutePlan {
  const teardown = planPodTeardown(input);
  return {
    steps: teardown.steps.filter(
      (step) => !(step.op === 'link.del' && step.ns === 'pod' && step.name === input.ifName),
    ),
  };
}

/**
 * ADD handed to the delegate. The spec (plugin delegation): when a delegated ADD fails, the upper
 * plugin runs it again with DEL before returning the failure, so the delegate frees what it took.
 */
async function addThroughDelegate(inv: Invocation): Promise<CniRunOutcome> {
  const outcome = await runDelegate(inv);
  if (outcome.exitCode !== 0) {
    try {
      const undo = await runDelegate({ ...inv, rawEnv: { ...inv.rawEnv, CNI_COMMAND: 'DEL' } });
      if (undo.exitCode !== 0) inv.log(`DEL after the delegate's failed ADD failed too`);
    } catch (undoError) {
      inv.log(
        `DEL after the delegate's failed ADD failed too: ${undoError instanceof Error ? undoError.message : String(undoError)}`,
      );
    }
  }
  return outcome;
}

async function add(inv: Invocation): Promise<CniRunOutcome> {
  const { podNamespace, podName } = podIdentity(inv.env);
  const pod = `${podNamespace}/${podName}`;
  const podUid = nonEmpty(inv.env.args.podUid);
  const answer = await inv.ports.agent.lookupPod(podNamespace, podName, podUid);
  if (answer === null) {
    const incarnation = podUid === undefined ? '' : ` with K8S_POD_UID ${podUid}`;
    throw new CniError('TryAgainLater', `node agent does not know pod ${pod}${incarnation} yet`);
  }
  const expectedUid = inv.env.args.podUid;
  if (expectedUid !== undefined && expectedUid !== '' && answer.podUid !== expectedUid) {
    throw new CniError(
      'TryAgainLater',
      `node agent knows pod ${pod} as uid ${answer.podUid}, not K8S_POD_UID ${expectedUid} yet`,
    );
  }
  if (!answer.required) {
    if (inv.config.delegate !== undefined) return addThroughDelegate(inv);
    if (inv.config.prevResult !== undefined) {
      // Chained after a primary plugin: pass its result on unchanged.
      return {
        stdout: JSON.stringify({ ...inv.config.prevResult, cniVersion: inv.config.cniVersion }),
        exitCode: 0,
      };
    }
    throw new CniError(
      'InvalidConfig',
      `pod ${pod} needs no branch interface, and the network configuration has no delegate`,
      { details: 'delegate' },
    );
  }
  if (answer.branch === null) {
    throw new CniError('TryAgainLater', `pod ${pod} has no branch interface annotated yet`);
  }
  for (const capability of ['ips', 'mac']) {
    const value = inv.config.runtimeConfig?.[capability];
    if (value !== undefined) {
      // The spec: code 2's message names the unsupported field's key and value.
      throw new CniError(
        'UnsupportedField',
        `runtimeConfig.${capability}=${JSON.stringify(value)} cannot be honoured: pod ${pod} takes its branch interface's addresses`,
        { details: `runtimeConfig.${capability}` },
      );
    }
  }
  const netns = inv.env.netns ?? '';
  const ifName = inv.env.ifName ?? '';
  const input: PodNetworkInput = {
    mode: inv.config.podSGEnforcingMode,
    podNamespace,
    podName,
    ifName,
    mtu: inv.config.mtu,
    vethPrefix: inv.config.vethPrefix,
    hostVethMac: await pickHostVethMac(inv, answer.branch.ifAddress),
    trunkLink: answer.trunkLink,
    branch: answer.branch,
  };
  if (inv.env.containerId !== undefined) input.containerId = inv.env.containerId;
  const plan = planPodNetwork(input);
  const result = podNetworkResult(inv.config.cniVersion, input, netns);
  const sandbox: PodSandbox = { netns };
  try {
    await inv.ports.applier.apply(plan, sandbox);
  } catch (error) {
    inv.log(
      `ADD of ${pod} failed, undoing: ${error instanceof Error ? error.message : String(error)}`,
    );
    try {
      await inv.ports.applier.apply(undoPlan(input), sandbox);
    } catch (undoError) {
      inv.log(
        `undo of ${pod} failed too: ${undoError instanceof Error ? undoError.message : String(undoError)}`,
      );
    }
    throw new CniError(
      'ApplyFailed',
      `wiring pod ${pod} to ${vlanDeviceName(answer.branch.vlanId)} failed and was undone: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        ...(CniError.is(error) && error.details !== undefined ? { details: error.details } : {}),
      },
    );
  }
  inv.log(
    `ADD wired ${pod} to ${vlanDeviceName(answer.branch.vlanId)} (${inv.config.podSGEnforcingMode})`,
  );
  return { stdout: JSON.stringify(result), exitCode: 0 };
}

async function applyTeardown(inv: Invocation, teardown: PodTeardownInput): Promise<CniRunOutcome> {
  if (!isBranchVlanId(teardown.branch.vlanId)) {
    // ADD refuses such an id (its table would be the kernel's), so nothing of podsg's uses it.
    inv.log(`DEL: VLAN id ${teardown.branch.vlanId} was never wired by podsg; nothing to remove`);
    return runDelegate(inv);
  }
  let plan: RoutePlan = planPodTeardown(teardown);
  let sandbox: PodSandbox | null = null;
  if (inv.env.netns === undefined) {
    // No sandbox any more: its side of the veth went with it; remove the host side.
    plan = { steps: plan.steps.filter((step) => step.ns === 'host') };
  } else {
    sandbox = { netns: inv.env.netns };
  }
  await inv.ports.applier.apply(plan, sandbox);
  inv.log(`DEL removed ${vlanDeviceName(teardown.branch.vlanId)}`);
  return SUCCESS;
}

async function del(inv: Invocation): Promise<CniRunOutcome> {
  const mode = inv.config.podSGEnforcingMode;
  const ifName = inv.env.ifName ?? '';
  const prevResult = inv.config.prevResult;
  if (prevResult !== undefined) {
    const attachment = teardownInputFromPrevResult(prevResult, mode, ifName);
    return attachment === null ? runDelegate(inv) : applyTeardown(inv, attachment.teardown);
  }
  const { podNamespace, podName } = inv.env.args;
  if (podNamespace === undefined || podName === undefined) return runDelegate(inv);
  let answer = null;
  try {
    answer = await inv.ports.agent.lookupPod(podNamespace, podName, nonEmpty(inv.env.args.podUid));
  } catch (error) {
    inv.log(
      `DEL: agent unavailable, looking at the host: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (answer !== null && !answer.required) return runDelegate(inv);
  const base = { mode, ifName, podNamespace, podName, vethPrefix: inv.config.vethPrefix };
  if (answer?.required === true && answer.branch !== null) {
    return applyTeardown(inv, { ...base, branch: answer.branch });
  }
  // Nothing to go on but the node itself: find what refers to the pod's host veth.
  const hostVeth = hostVethName(mode, podNamespace, podName, inv.config.vethPrefix);
  const found = findAttachmentOfHostVeth(await inv.ports.applier.snapshot(null), hostVeth);
  if (found !== null) return applyTeardown(inv, { ...base, hostVeth, branch: found });
  return runDelegate(inv);
}

async function check(inv: Invocation): Promise<CniRunOutcome> {
  const prevResult = inv.config.prevResult;
  if (prevResult === undefined) {
    throw new CniError('InvalidConfig', 'CHECK needs prevResult in the network configuration', {
      details: 'prevResult',
    });
  }
  const ifName = inv.env.ifName ?? '';
  const netns = inv.env.netns ?? '';
  const attachment = teardownInputFromPrevResult(prevResult, inv.config.podSGEnforcingMode, ifName);
  if (attachment === null) return runDelegate(inv);
  const { podNamespace, podName } = podIdentity(inv.env);
  const pod = `${podNamespace}/${podName}`;
  const { teardown } = attachment;
  if (attachment.hostVethMac === undefined) {
    throw new CniError('InvalidConfig', 'prevResult lacks the host veth MAC', {
      details: 'prevResult.interfaces',
    });
  }
  let answer = null;
  try {
    answer = await inv.ports.agent.lookupPod(podNamespace, podName, nonEmpty(inv.env.args.podUid));
  } catch (error) {
    inv.log(`CHECK: agent unavailable, checking prevResult only: ${String(error)}`);
  }
  const host = await inv.ports.applier.snapshot(null);
  let podState: NetworkSnapshot | null = null;
  try {
    podState = await inv.ports.applier.snapshot({ netns });
  } catch (error) {
    if (!CniError.is(error, 'NotFound')) throw error;
  }
  const mode = inv.config.podSGEnforcingMode;
  const expectedHostVeth = hostVethName(mode, podNamespace, podName, inv.config.vethPrefix);
  // First what the result itself claims: its interfaces, MACs and addresses.
  const differences = checkPrevResultClaims(attachment, expectedHostVeth, host, podState);
  // Then, when the agent knows the pod's branch on this VLAN, the whole plan (rules, routes,
  // neighbours) as ADD would make it for that branch.
  const known = answer?.required === true ? answer : null;
  const branch = known?.branch ?? null;
  if (differences.length === 0 && known !== null && branch?.vlanId === teardown.branch.vlanId) {
    const input: PodNetworkInput = {
      mode,
      podNamespace,
      podName,
      ifName,
      mtu: inv.config.mtu,
      vethPrefix: inv.config.vethPrefix,
      hostVethMac: attachment.hostVethMac,
      trunkLink: known.trunkLink,
      branch,
    };
    differences.push(...diffPlanAgainstSnapshot(planPodNetwork(input), host, podState));
  }
  if (differences.length > 0) {
    throw new CniError('CheckFailed', `pod ${pod}: ${differences.join('; ')}`, {
      details: JSON.stringify(differences),
    });
  }
  inv.log(`CHECK ${pod}: wiring matches the plan`);
  return SUCCESS;
}

async function gc(inv: Invocation): Promise<CniRunOutcome> {
  const valid = inv.config.validAttachments;
  if (valid === undefined) {
    // Without the list every attachment would look stale: remove nothing rather than everything.
    inv.log('GC: no cni.dev/valid-attachments in the configuration; nothing removed');
    return runDelegate(inv);
  }
  const host = await inv.ports.applier.snapshot(null);
  const { plan, removed } = planGarbageCollection(host, valid);
  for (const line of removed) inv.log(`GC: ${line}`);
  if (plan.steps.length > 0) await inv.ports.applier.apply(plan, null);
  return runDelegate(inv);
}

async function status(inv: Invocation): Promise<CniRunOutcome> {
  if (!(await inv.ports.agent.healthy())) {
    throw new CniError('NotAvailable', `node agent at ${inv.config.agentSocket} does not answer`, {
      details: inv.config.agentSocket,
    });
  }
  return runDelegate(inv);
}

/** `K8S_POD_UID` when the runtime passed one (an empty value counts as none). */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
