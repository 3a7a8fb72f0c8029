import {
  AssociateTrunkInterfaceCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTrunkInterfaceAssociationsCommand,
  DisassociateTrunkInterfaceCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { EC2_API_NAMES } from '@podsg/allocator';
import type { Ec2ApiName } from '@podsg/allocator';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';
import type { Ec2NetworkInterfaceApiOptions } from './Ec2NetworkInterfaceApi.js';
import { ec2ErrorOf } from './ec2ErrorOf.js';

/** Real ids where the caller has them; EC2 may check them before the permission. */
export interface Ec2PreflightContext {
  subnetId?: string;
  groupIds?: readonly string[];
  instanceId?: string;
}

/** The answer for one EC2 action podsg calls. */
export interface Ec2PreflightAction {
  /** EC2's action name, e.g. `AssociateTrunkInterface`. */
  action: string;
  /** EC2 answered `DryRunOperation` (or refused for a reason other than permissions). */
  allowed: boolean;
  /**
   * True when EC2's answer settles it: `DryRunOperation`, `UnauthorizedOperation`, a refusal of
   * the account or the credentials. False when EC2 refused the placeholder request for another
   * reason (an id that does not exist, throttling, a network error): `code` says which.
   */
  verified: boolean;
  /** The IAM permission to grant, e.g. `ec2:AssociateTrunkInterface`, when it is denied. */
  missingPermission?: string;
  /** EC2's code for anything but `DryRunOperation`. */
  code?: string;
  message?: string;
}

/** What `preflightEc2Permissions` found. */
export interface Ec2PreflightReport {
  actions: Ec2PreflightAction[];
  /** Every action allowed. */
  allAllowed: boolean;
  /**
   * The account and identity may create branch interfaces and associate them with trunks
   * (CreateNetworkInterface, AssociateTrunkInterface, DisassociateTrunkInterface,
   * DescribeTrunkInterfaceAssociations all allowed and verified).
   */
  trunkingAllowed: boolean;
}

/** The actions the preflight tries, in order: the allocator's, then DescribeSecurityGroups. */
export const PREFLIGHT_ACTIONS: readonly (Ec2ApiName | 'DescribeSecurityGroups')[] = [
  ...EC2_API_NAMES,
  'DescribeSecurityGroups',
];

const PLACEHOLDER_ENI = 'eni-00000000000000000';
const PLACEHOLDER_INSTANCE = 'i-00000000000000000';
const PLACEHOLDER_SUBNET = 'subnet-00000000000000000';
const PLACEHOLDER_GROUP = 'sg-00000000000000000';
const TRUNK_ACTIONS = [
  'CreateNetworkInterface',
  'AssociateTrunkInterface',
  'DisassociateTrunkInterface',
  'DescribeTrunkInterfaceAssociations',
];
/** Refusals that settle the question without being a missing IAM permission. */
const ACCOUNT_REFUSALS = new Set([
  'OperationNotPermitted',
  'AuthFailure',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'OptInRequired',
  'Blocked',
]);

/**
 * Tries every EC2 action podsg calls with `DryRun` and reports, per action, whether the
 * identity may call it or the exact IAM permission it lacks, and whether the account can branch
 * at all: the trunk association actions have long been offered to allowlisted accounts only.
 * Changes nothing in EC2. Call it at controller start: an operator outside EKS learns in the
 * first minute, not on the first pod.
 */
export async function preflightEc2Permissions(
  target: Ec2NetworkInterfaceApi | Ec2NetworkInterfaceApiOptions,
  context: Ec2PreflightContext = {},
): Promise<Ec2PreflightReport> {
  const owned = !(target instanceof Ec2NetworkInterfaceApi);
  const api =
    target instanceof Ec2NetworkInterfaceApi ? target : new Ec2NetworkInterfaceApi(target);
  const client: EC2Client = api.client;
  const eni = PLACEHOLDER_ENI;
  const instanceId = context.instanceId ?? PLACEHOLDER_INSTANCE;
  const subnetId = context.subnetId ?? PLACEHOLDER_SUBNET;
  const groups = [...(context.groupIds ?? [PLACEHOLDER_GROUP])];
  // Keyed by every API the allocator calls (the compiler insists on a probe for each).
  const probes: Record<Ec2ApiName | 'DescribeSecurityGroups', () => Promise<unknown>> = {
    DescribeInstances: () =>
      client.send(new DescribeInstancesCommand({ DryRun: true, MaxResults: 5 })),
    DescribeSubnets: () => client.send(new DescribeSubnetsCommand({ DryRun: true, MaxResults: 5 })),
    CreateNetworkInterface: () =>
      client.send(
        new CreateNetworkInterfaceCommand({
          DryRun: true,
          SubnetId: subnetId,
          Groups: groups,
          InterfaceType: 'branch',
        }),
      ),
    AttachNetworkInterface: () =>
      client.send(
        new AttachNetworkInterfaceCommand({
          DryRun: true,
          NetworkInterfaceId: eni,
          InstanceId: instanceId,
          DeviceIndex: 1,
        }),
      ),
    ModifyNetworkInterfaceAttribute: () =>
      client.send(
        new ModifyNetworkInterfaceAttributeCommand({
          DryRun: true,
          NetworkInterfaceId: eni,
          Groups: groups,
        }),
      ),
    CreateTags: () =>
      client.send(
        new CreateTagsCommand({
          DryRun: true,
          Resources: [eni],
          Tags: [{ Key: 'podsg.io/preflight', Value: '1' }],
        }),
      ),
    AssociateTrunkInterface: () =>
      client.send(
        new AssociateTrunkInterfaceCommand({
          DryRun: true,
          TrunkInterfaceId: eni,
          BranchInterfaceId: eni,
          VlanId: 1,
        }),
      ),
    DisassociateTrunkInterface: () =>
      client.send(
        new DisassociateTrunkInterfaceCommand({
          DryRun: true,
          AssociationId: 'trunk-assoc-00000000000000000',
        }),
      ),
    DescribeTrunkInterfaceAssociations: () =>
      client.send(new DescribeTrunkInterfaceAssociationsCommand({ DryRun: true, MaxResults: 5 })),
    DeleteNetworkInterface: () =>
      client.send(new DeleteNetworkInterfaceCommand({ DryRun: true, NetworkInterfaceId: eni })),
    DescribeNetworkInterfaces: () =>
      client.send(new DescribeNetworkInterfacesCommand({ DryRun: true, MaxResults: 5 })),
    DescribeSecurityGroups: () =>
      client.send(new DescribeSecurityGroupsCommand({ DryRun: true, MaxResults: 5 })),
  };
  const actions: Ec2PreflightAction[] = [];
  try {
    for (const action of PREFLIGHT_ACTIONS) actions.push(await tryAction(action, probes[action]));
  } finally {
    if (owned) api.destroy();
  }
  return {
    actions,
    allAllowed: actions.every((a) => a.allowed),
    trunkingAllowed: TRUNK_ACTIONS.every((name) =>
      actions.some((a) => a.action === name && a.allowed && a.verified),
    ),
  };
}

async function tryAction(
  action: string,
  probe: () => Promise<unknown>,
): Promise<Ec2PreflightAction> {
  try {
    await probe();
    return {
      action,
      allowed: true,
      verified: false,
      message: 'EC2 ran the request despite DryRun',
    };
  } catch (thrown) {
    const error = ec2ErrorOf(action, thrown);
    const code = error.code ?? error.kind;
    if (code === 'DryRunOperation') return { action, allowed: true, verified: true };
    if (code === 'UnauthorizedOperation') {
      return {
        action,
        allowed: false,
        verified: true,
        missingPermission: `ec2:${action}`,
        code,
        message: error.message,
      };
    }
    if (ACCOUNT_REFUSALS.has(code))
      return { action, allowed: false, verified: true, code, message: error.message };
    const retryable = error.kind === 'Transient' || error.kind === 'Throttled';
    return { action, allowed: !retryable, verified: false, code, message: error.message };
  }
}
