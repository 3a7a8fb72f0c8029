import { AllocatorError } from '@podsg/allocator';
import { Ec2NetworkInterfaceApi } from '@podsg/adapters-aws';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ReachTarget } from '../models/ReachTarget.js';
import { parseSecurityGroupsDocument, type SecurityGroupsFile } from './readSecurityGroupsFile.js';

/** Where `--reach` reads the groups from when no `--security-groups` file is given. */
export interface Ec2Source {
  readonly region: string;
  /** `--ec2-endpoint`; EC2's own endpoint for the region when absent. */
  readonly endpoint?: string;
}

/**
 * Reads from EC2 (credentials from the SDK's default chain) what `--reach` needs: the
 * interfaces holding the target address (DescribeNetworkInterfaces), then the pod's groups, the
 * `--to` group and those interfaces' groups with their rules (DescribeSecurityGroups), checked
 * as a `--security-groups` file is.
 *
 * @throws PodsgdCliError `InvalidInput` with EC2's code and message when a call fails
 */
export async function readSecurityGroupsFromEc2(
  source: Ec2Source,
  podGroupIds: readonly string[],
  target: ReachTarget,
): Promise<SecurityGroupsFile> {
  const label = describeEc2Source(source);
  let ec2: Ec2NetworkInterfaceApi;
  try {
    ec2 = new Ec2NetworkInterfaceApi({
      region: source.region,
      clusterName: 'podsgd-explain',
      userAgentSuffix: 'podsgd-explain',
      ...(source.endpoint === undefined ? {} : { endpoint: source.endpoint }),
    });
  } catch (error) {
    throw ec2Failure(label, error);
  }
  try {
    const { NetworkInterfaces } =
      target.kind === 'address'
        ? await ec2.describeNetworkInterfacesOutput([target.address])
        : { NetworkInterfaces: [] };
    const groupIds = [
      ...podGroupIds,
      ...(target.kind === 'group' ? [target.groupId] : []),
      ...NetworkInterfaces.flatMap((eni) => (eni.Groups ?? []).map((g) => g.GroupId ?? '')),
    ].filter((id) => id !== '');
    const { SecurityGroups } = await ec2.describeSecurityGroupsOutput(groupIds);
    // Through JSON, so the parser sees exactly what `aws ec2 describe-*` would print.
    const document: unknown = JSON.parse(JSON.stringify({ SecurityGroups, NetworkInterfaces }));
    return parseSecurityGroupsDocument(document, label);
  } catch (error) {
    throw ec2Failure(label, error);
  } finally {
    ec2.destroy();
  }
}

/** How messages and notes name the EC2 source, e.g. `EC2 (us-west-2, http://127.0.0.1:4566)`. */
export function describeEc2Source(source: Ec2Source): string {
  return `EC2 (${source.region}${source.endpoint === undefined ? '' : `, ${source.endpoint}`})`;
}

function ec2Failure(label: string, error: unknown): unknown {
  if (!AllocatorError.is(error)) return error;
  // The message names the action and EC2's code, e.g. `EC2 DescribeSecurityGroups: AuthFailure: …`.
  return new PodsgdCliError('InvalidInput', `${label}: ${error.message}`, undefined, {
    cause: error,
  });
}
