import { backoffDelay } from '../../calculations/backoffDelay.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import type { ResolvedBranchControllerOptions } from '../../models/BranchControllerOptions.js';
import type { Subnet } from '../../models/NetworkInterface.js';
import type { CallPriority, Ec2ApiName } from '../../models/RateLimit.js';
import { MUTATING_EC2_APIS } from '../../models/RateLimit.js';
import { clusterTagKey } from '../../models/wellKnownNames.js';
import type { Clock } from '../../ports/Clock.js';
import type { NetworkInterfaceApi } from '../../ports/NetworkInterfaceApi.js';
import { RequestLimiter } from '../../services/RequestLimiter.js';
import type { ControllerEvents } from './ControllerEvents.js';
import { asAllocatorError } from '../../errors/asAllocatorError.js';

/** The EC2 counters of `ControllerStats`. */
export interface Ec2CallCounts {
  mutatingCalls: number;
  tagCalls: number;
  throttled: number;
  retries: number;
  readonly calls: Partial<Record<Ec2ApiName, number>>;
  readonly throttledByApi: Partial<Record<Ec2ApiName, number>>;
}

/** What a retried call needs: the clock, the stop signal, the attempt limit and backoff. */
export interface RetryContext {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly options: Pick<
    ResolvedBranchControllerOptions,
    'callAttempts' | 'callBackoff' | 'random'
  >;
}

/** Throws `Aborted` once the signal aborted: results that arrive after `stop()` are ignored. */
export function checkpoint(signal: AbortSignal): void {
  if (signal.aborted) throw new AllocatorError('Aborted', 'the branch controller stopped');
}

/**
 * Runs `send` until it succeeds, fails with an error that is not worth retrying, or has had
 * `callAttempts` attempts, sleeping a jittered backoff between attempts. `onFailure` sees each
 * failure and the backoff before the next attempt (null when there is none).
 */
export async function retrying<T>(
  context: RetryContext,
  send: () => Promise<T>,
  onFailure: (failure: AllocatorError, attempt: number, retryInMs: number | null) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await send();
      checkpoint(context.signal);
      return result;
    } catch (error) {
      checkpoint(context.signal);
      const failure = asAllocatorError(error);
      const retryInMs =
        AllocatorError.isRetryable(failure) && attempt < context.options.callAttempts
          ? backoffDelay(attempt, context.options.callBackoff, context.options.random)
          : null;
      onFailure(failure, attempt, retryInMs);
      if (retryInMs === null) throw failure;
      await sleep(context, retryInMs);
    }
  }
}

/** A cluster call, retried like EC2 calls but without client-side limiting. */
export function clusterCall<T>(context: RetryContext, send: () => Promise<T>): Promise<T> {
  return retrying(context, send, () => undefined);
}

/** Sleeps on the clock; throws `Aborted` when stopped meanwhile. */
export async function sleep(context: Omit<RetryContext, 'options'>, ms: number): Promise<void> {
  await context.clock.sleep(ms, context.signal);
  checkpoint(context.signal);
}

/**
 * Every EC2 call of the controller: through the client-side limiter (token buckets with
 * priorities), retried with jittered backoff on Throttled and Transient, counted per API; plus
 * the subnets it described once and the filter of this cluster's interfaces.
 */
export class Ec2Caller {
  /** The port the calls go to. */
  readonly api: NetworkInterfaceApi;
  /** The tag key marking this cluster's interfaces (`kubernetes.io/cluster/<name>`). */
  readonly clusterTag: string;
  /** Calls, throttles and retries so far. */
  readonly counts: Ec2CallCounts = {
    mutatingCalls: 0,
    tagCalls: 0,
    throttled: 0,
    retries: 0,
    calls: {},
    throttledByApi: {},
  };
  readonly #context: RetryContext & { readonly options: ResolvedBranchControllerOptions };
  readonly #events: Pick<ControllerEvents, 'emit'>;
  readonly #limiter: RequestLimiter;
  readonly #subnets = new Map<string, Promise<Subnet>>();

  constructor(
    api: NetworkInterfaceApi,
    context: RetryContext & { readonly options: ResolvedBranchControllerOptions },
    events: Pick<ControllerEvents, 'emit'>,
  ) {
    this.api = api;
    this.#context = context;
    this.#events = events;
    this.clusterTag = clusterTagKey(context.options.clusterName);
    this.#limiter = new RequestLimiter(context.clock, context.options.rateLimits, context.signal);
  }

  /** One EC2 call through the limiter, retried with jittered backoff on Throttled/Transient. */
  call<T>(api: Ec2ApiName, priority: CallPriority, send: () => Promise<T>): Promise<T> {
    return retrying(
      this.#context,
      async () => {
        await this.#limiter.acquire(api, priority);
        this.#count(api);
        return send();
      },
      (failure, attempt, retryInMs) => {
        const throttled = AllocatorError.is(failure, 'Throttled');
        if (throttled) {
          this.counts.throttled += 1;
          this.counts.throttledByApi[api] = (this.counts.throttledByApi[api] ?? 0) + 1;
          this.#limiter.onThrottled(api);
        }
        if (retryInMs === null) return;
        this.counts.retries += 1;
        if (throttled) this.#events.emit('throttled', { api, attempt, delayMs: retryInMs });
      },
    );
  }

  #count(api: Ec2ApiName): void {
    this.counts.calls[api] = (this.counts.calls[api] ?? 0) + 1;
    if (api === 'CreateTags') this.counts.tagCalls += 1;
    else if (MUTATING_EC2_APIS.has(api)) this.counts.mutatingCalls += 1;
  }

  /** The subnet, described once (a failed describe is forgotten, to be retried). */
  subnet(subnetId: string): Promise<Subnet> {
    let subnet = this.#subnets.get(subnetId);
    if (subnet === undefined) {
      subnet = this.call('DescribeSubnets', 'critical', () => this.api.describeSubnet(subnetId));
      this.#subnets.set(subnetId, subnet);
      subnet.catch(() => this.#subnets.delete(subnetId));
    }
    return subnet;
  }

  /** The association of a branch with a trunk, as the trunk reports it; null when none. */
  async findAssociation(
    trunkId: string,
    eniId: string,
  ): Promise<{ associationId: string; vlanId: number } | null> {
    const associations = await this.call('DescribeTrunkInterfaceAssociations', 'critical', () =>
      this.api.describeTrunkInterfaceAssociations(trunkId),
    );
    const found = associations.find((a) => a.branchInterfaceId === eniId);
    return found === undefined
      ? null
      : { associationId: found.associationId, vlanId: found.vlanId };
  }

  /** The filter of this cluster's interfaces (in the configured VPC). */
  ownedFilter(): { tags: Record<string, string>; vpcId?: string } {
    const filter: { tags: Record<string, string>; vpcId?: string } = {
      tags: { [this.clusterTag]: 'owned' },
    };
    if (this.#context.options.vpcId !== undefined) filter.vpcId = this.#context.options.vpcId;
    return filter;
  }
}
