import type { Ec2ApiName } from '@podsg/allocator';

/** How a call to the fake EC2 ended. */
export type Ec2CallOutcome = 'ok' | 'throttled' | 'fault' | 'error';

/** One entry of `FakeEc2.calls()`. */
export interface Ec2Call {
  api: Ec2ApiName;
  /** Clock time (ms) at which the fake processed the call, after its latency. */
  at: number;
  outcome: Ec2CallOutcome;
  /** EC2's error code for every outcome but `ok`. */
  code?: string;
  /**
   * For a `fault` injected after the mutation took effect ("the request succeeded but the
   * response was lost"): true.
   */
  afterEffect?: boolean;
}
