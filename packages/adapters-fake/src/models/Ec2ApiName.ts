/** The EC2 API actions behind `NetworkInterfaceApi`, as named in EC2's Query API. */
export type Ec2ApiName =
  | 'DescribeInstances'
  | 'DescribeSubnets'
  | 'CreateNetworkInterface'
  | 'AttachNetworkInterface'
  | 'ModifyNetworkInterfaceAttribute'
  | 'CreateTags'
  | 'AssociateTrunkInterface'
  | 'DisassociateTrunkInterface'
  | 'DescribeTrunkInterfaceAssociations'
  | 'DeleteNetworkInterface'
  | 'DescribeNetworkInterfaces';

/** Every `Ec2ApiName`, mutating actions first. */
export const EC2_API_NAMES: readonly Ec2ApiName[] = [
  'CreateNetworkInterface',
  'AttachNetworkInterface',
  'ModifyNetworkInterfaceAttribute',
  'CreateTags',
  'AssociateTrunkInterface',
  'DisassociateTrunkInterface',
  'DeleteNetworkInterface',
  'DescribeInstances',
  'DescribeSubnets',
  'DescribeTrunkInterfaceAssociations',
  'DescribeNetworkInterfaces',
];

/** Whether an action changes state (EC2's "mutating actions" throttling category). */
export function isMutatingEc2Api(api: Ec2ApiName): boolean {
  return !api.startsWith('Describe');
}
