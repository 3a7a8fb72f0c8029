import type { Clock, Ec2ApiName } from '@podsg/allocator';

/** The network limits of an instance type the fake enforces. */
export interface InstanceNetworkLimits {
  /** Network interfaces per instance (device indexes 0 … interfaces−1). */
  interfaces: number;
  /** Whether a trunk interface may be attached and take branches. */
  trunkCompatible: boolean;
  /** Branch interfaces one trunk supports. */
  branchInterfaces: number;
}

/** A per-API request bucket, as EC2 throttles (token bucket per action). */
export interface Ec2ThrottleRule {
  capacity: number;
  refillPerSecond: number;
}

/**
 * Injected failures: each call of `api` (or of every API with `'*'`) fails with probability
 * `rate`, drawn from the seeded random source.
 */
export interface Ec2FaultRule {
  api: Ec2ApiName | '*';
  /** Probability in [0, 1]. */
  rate: number;
  /**
   * EC2 error code; default `InternalError` or `ServiceUnavailable` (drawn). The kind follows
   * the code: `RequestLimitExceeded` → Throttled, `UnauthorizedOperation` → Unauthorized,
   * `*.NotFound` → NotFound, otherwise Transient.
   */
  code?: string;
  /**
   * Fail after the mutation took effect (the response was lost). Default false. Only affects
   * mutating APIs.
   */
  after?: boolean;
}

/** A subnet of the fake VPC. */
export interface FakeSubnetSpec {
  id: string;
  cidr: string;
  /** A /64 (or wider) IPv6 block; interfaces in the subnet then get an IPv6 address. */
  ipv6Cidr?: string;
  /**
   * The subnet's zone (e.g. `us-east-1b`); default the region's first zone. A branch can only
   * be associated with a trunk of its own zone.
   */
  availabilityZone?: string;
}

/** A security group; a plain id is a group of the fake's VPC. */
export type FakeSecurityGroupSpec = string | { id: string; vpcId: string };

/** Constructor options of `FakeEc2`. */
export interface FakeEc2Options {
  /** Time source for latency, throttling refill, visibility delay and attach completion. */
  clock: Clock;
  /** Seed of every random draw (ids, MACs, latency, faults); default 1. */
  seed?: number;
  vpc: { id: string; cidr: string };
  subnets: readonly FakeSubnetSpec[];
  securityGroups: readonly FakeSecurityGroupSpec[];
  /** Response latency, uniform in [min, max] ms; default 0 (calls settle without a timer). */
  latencyMs?: { min: number; max: number };
  /**
   * Per-API buckets overriding the defaults (mutating APIs 50 tokens refilled 5/s, describe
   * APIs 100 tokens refilled 20/s, as EC2 documents). `false` turns throttling off.
   */
  throttle?: Partial<Record<Ec2ApiName, Ec2ThrottleRule>> | false;
  faults?: readonly Ec2FaultRule[];
  /** How long a new interface stays missing from `listNetworkInterfaces`; default 0. */
  visibilityDelayMs?: number;
  /** How long an attachment stays `attaching`; default 500 ms. */
  attachDelayMs?: number;
  /** Interfaces per account and region (`NetworkInterfaceLimitExceeded`); default 5000. */
  interfaceQuota?: number;
  /** Security groups per interface; default 5, as EC2's default quota. */
  groupsPerInterface?: number;
  /** Rules per security group and direction (IPv6 ranges counted apart); default 60, as EC2. */
  rulesPerSecurityGroup?: number;
  /** The account (12 digits) that owns the groups and interfaces; default `123456789012`. */
  accountId?: string;
  /** Limits of an instance type; default the table of `@podsg/allocator`. */
  instanceLimits?: (instanceType: string) => InstanceNetworkLimits | undefined;
}
