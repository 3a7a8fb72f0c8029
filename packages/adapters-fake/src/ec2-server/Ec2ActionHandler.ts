import type { FakeEc2 } from '../services/FakeEc2.js';
import type { QueryParams } from './QueryParams.js';
import type { XmlElement } from './renderXml.js';

/** What an action handler of the Query front works with. */
export interface Ec2ActionContext {
  readonly ec2: FakeEc2;
  readonly params: QueryParams;
  readonly region: string;
  /** Group id → name, for `groupSet` members. */
  groupNames(): ReadonlyMap<string, string>;
  /** A fresh client token for a request that brought none (no idempotency, as in EC2). */
  newClientToken(): string;
}

/**
 * One EC2 action: reads its parameters, drives the model, returns the response body's
 * elements (after `requestId`). Errors are `AllocatorError`s with EC2's code.
 */
export type Ec2ActionHandler = (context: Ec2ActionContext) => Promise<XmlElement>;
