import {
  evaluateReachability,
  formatValidationIssues,
  POD_ENI_ANNOTATION,
  PolicyValidationError,
  type FlowEndpoint,
  type ModelledInterface,
  type ReachabilityVerdict,
  type SecurityGroup,
  type SideVerdict,
} from '@podsg/policy';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainReachReport } from '../models/ExplainReachReport.js';
import type { ExplainReport } from '../models/ExplainReport.js';
import type { ReachTarget } from '../models/ReachTarget.js';
import type { PodAddress } from './readPodAddress.js';

/** What {@link explainReach} works on: everything already read and checked. */
export interface ExplainReachInput {
  /** The policy explanation of the pod (`explainPod`); its result gives the pod's groups. */
  readonly explain: ExplainReport;
  readonly podAddress: PodAddress;
  readonly target: ReachTarget;
  readonly securityGroups: readonly SecurityGroup[];
  /** Interfaces listed beside the groups (`NetworkInterfaces`), e.g. a database's. */
  readonly interfaces: readonly ModelledInterface[];
  /** The `--security-groups` file as given, for messages. */
  readonly securityGroupsFile: string;
}

/**
 * May the pod open a flow to the target? The pod is an interface carrying its groups from the
 * policies (or, when no policy matches, an address outside the model: its node's groups are not
 * known); the target is an interface carrying the `--to` group, or an address (modelled when an
 * interface in the file holds it). The verdict is `evaluateReachability`'s; this function builds
 * the model and says what the operator should know to read it.
 *
 * @throws PodsgdCliError `InvalidInput` when the `--to` group is not in the file, or the flow
 * cannot be judged (e.g. an IPv4 pod and an IPv6 target)
 */
export function explainReach(input: ExplainReachInput): ExplainReachReport {
  const { explain, podAddress, target, securityGroups, securityGroupsFile: file } = input;
  const podGroupIds = explain.result.groupIds;
  const podId = `pod ${explain.pod.namespace}/${explain.pod.name ?? '(unnamed)'}`;
  const known = new Set(securityGroups.map((group) => group.groupId));
  const notes: string[] = [];

  const interfaces: ModelledInterface[] = [];
  for (const iface of input.interfaces) {
    if (podAddress.address !== null && iface.addresses.includes(podAddress.address)) {
      notes.push(
        `${iface.id} in ${file} holds the pod's address ${podAddress.address}; the pod's groups are taken from the policies instead`,
      );
    } else {
      interfaces.push(iface);
    }
  }

  let source: FlowEndpoint;
  if (podGroupIds.length > 0) {
    interfaces.push({
      id: podId,
      addresses: podAddress.address === null ? [] : [podAddress.address],
      groupIds: podGroupIds,
    });
    source = { interfaceId: podId };
    for (const groupId of podGroupIds.filter((id) => !known.has(id))) {
      notes.push(
        `the rules of ${groupId}, one of the pod's groups, are not in ${file}: it allows nothing here`,
      );
    }
  } else {
    source = { address: podAddress.address };
    notes.push(
      "no policy selects the pod, so it gets no branch ENI and its traffic leaves with its node's security groups, which are not modelled: only the target's side is judged",
    );
  }
  if (podAddress.address === null) {
    notes.push(
      `the pod has no address yet (no ${POD_ENI_ANNOTATION} annotation with privateIp, no status.podIP): rules that reference the pod's groups are judged by group membership only, and only /0 ranges can match the pod`,
    );
  }

  let destination: FlowEndpoint;
  if (target.kind === 'group') {
    if (!known.has(target.groupId)) {
      throw new PodsgdCliError(
        'InvalidInput',
        `--to: ${target.groupId} is not among the security groups in ${file}`,
        file,
      );
    }
    const targetId = `an interface carrying ${target.groupId}`;
    interfaces.push({ id: targetId, addresses: [], groupIds: [target.groupId] });
    destination = { interfaceId: targetId };
    notes.push(
      `the target is any interface carrying ${target.groupId}; its address is unknown, so the pod's egress rules can match it only by that group or by a /0 range`,
    );
  } else {
    destination = { address: target.address };
    if (!interfaces.some((iface) => iface.addresses.includes(target.address))) {
      notes.push(
        `${target.address} is not among the NetworkInterfaces in ${file}, so its ingress rules are not modelled (add the output of aws ec2 describe-network-interfaces to judge them)`,
      );
    }
  }

  let verdict: ReachabilityVerdict;
  try {
    verdict = evaluateReachability(
      { interfaces, securityGroups },
      { protocol: target.protocol, source, destination, port: target.port },
    );
  } catch (error) {
    if (!PolicyValidationError.is(error)) throw error;
    throw new PodsgdCliError(
      'InvalidInput',
      `cannot judge the flow: ${formatValidationIssues(error.issues)}`,
      file,
      { cause: error },
    );
  }
  return {
    allowed: verdict.allowed,
    podGroupIds,
    egress: allowingRule(verdict.egress),
    ingress: allowingRule(verdict.ingress),
    pod: {
      namespace: explain.pod.namespace,
      name: explain.pod.name,
      address: podAddress.address,
      addressSource: podAddress.source,
    },
    target: {
      ...target,
      groupName:
        target.kind === 'group'
          ? (securityGroups.find((group) => group.groupId === target.groupId)?.groupName ?? null)
          : null,
    },
    sides: { egress: verdict.egress, ingress: verdict.ingress },
    notes,
    explain,
  };
}

function allowingRule(side: SideVerdict) {
  return side.outcome === 'allowed' ? side.rule : null;
}
