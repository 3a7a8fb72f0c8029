/** A token bucket's shape: `capacity` tokens at most, refilled at `refillPerSecond`. */
export interface TokenBucketShape {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** The EC2 API actions the controller calls, named as EC2 names them (and as its throttles are keyed). */
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

/** Every `Ec2ApiName`, in a stable order. */
export const EC2_API_NAMES: readonly Ec2ApiName[] = Object.freeze([
  'DescribeInstances',
  'DescribeSubnets',
  'CreateNetworkInterface',
  'AttachNetworkInterface',
  'ModifyNetworkInterfaceAttribute',
  'CreateTags',
  'AssociateTrunkInterface',
  'DisassociateTrunkInterface',
  'DescribeTrunkInterfaceAssociations',
  'DeleteNetworkInterface',
  'DescribeNetworkInterfaces',
]);

/** The APIs EC2 counts as mutating (the others are describes). */
export const MUTATING_EC2_APIS: ReadonlySet<Ec2ApiName> = new Set<Ec2ApiName>([
  'CreateNetworkInterface',
  'AttachNetworkInterface',
  'ModifyNetworkInterfaceAttribute',
  'CreateTags',
  'AssociateTrunkInterface',
  'DisassociateTrunkInterface',
  'DeleteNetworkInterface',
]);

/**
 * The client-side rate limits of EC2 calls. Either one bucket per API (`perApi`, defaults
 * mirroring EC2's request buckets: mutating 50 / 5 s⁻¹, describe 100 / 20 s⁻¹), or one `shared`
 * bucket for every call (how EKS's controller limits its client: 12 s⁻¹, burst 18).
 */
export interface RateLimits {
  /** One bucket for all calls; when set, `perApi` is ignored. */
  readonly shared?: TokenBucketShape;
  /** Per-API overrides of the default buckets. */
  readonly perApi?: Readonly<Partial<Record<Ec2ApiName, TokenBucketShape>>>;
}

/** How urgent a call is: pod-critical calls go first; background calls only spend spare tokens. */
export type CallPriority = 'critical' | 'maintenance' | 'background';
