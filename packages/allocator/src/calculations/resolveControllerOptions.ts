import { AllocatorError } from '../errors/AllocatorError.js';
import type {
  BranchControllerOptions,
  ResolvedBranchControllerOptions,
} from '../models/BranchControllerOptions.js';
import type { RateLimits, TokenBucketShape } from '../models/RateLimit.js';
import { EC2_API_NAMES } from '../models/RateLimit.js';
import type { BackoffPolicy } from './backoffDelay.js';

/** EKS's minimum branch cooldown. */
export const MIN_COOLDOWN_SECONDS = 30;

/** EKS's resource controller client: 12 requests/s, burst 18, shared by every call. */
export const BASELINE_RATE_LIMITS: RateLimits = Object.freeze({
  shared: Object.freeze({ capacity: 18, refillPerSecond: 12 }),
});

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * Applies the strategy presets and defaults to `BranchController` options and validates them.
 *
 * @throws AllocatorError of kind `Invalid` naming the option (`options.cooldownSeconds`)
 */
export function resolveControllerOptions(
  options: BranchControllerOptions,
): ResolvedBranchControllerOptions {
  if (typeof options.clusterName !== 'string' || !CLUSTER_NAME.test(options.clusterName)) {
    throw invalid('clusterName', 'must be 1-100 letters, digits, "-", "_" or "."');
  }
  const strategy = options.strategy ?? 'podsg';
  // Callers may be plain JavaScript: check what the type promises.
  if (!(['podsg', 'baseline'] as unknown[]).includes(strategy)) {
    throw invalid('strategy', 'must be "podsg" or "baseline"');
  }
  const baseline = strategy === 'baseline';
  const cooldownSeconds = number(
    options.cooldownSeconds,
    'cooldownSeconds',
    60,
    MIN_COOLDOWN_SECONDS,
  );
  const recycleSeconds = number(options.recycleSeconds, 'recycleSeconds', 300, 0);
  const gcIntervalSeconds = number(options.gcIntervalSeconds, 'gcIntervalSeconds', 300, 0);
  const trunkAttachTimeoutSeconds = number(
    options.trunkAttachTimeoutSeconds,
    'trunkAttachTimeoutSeconds',
    60,
    1,
  );
  if (options.vpcId !== undefined && !/^vpc-[0-9a-f]+$/.test(options.vpcId)) {
    throw invalid('vpcId', `"${options.vpcId}" is not a VPC id`);
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw invalid('random', 'must be a function returning numbers in [0, 1)');
  }
  return {
    clusterName: options.clusterName,
    vpcId: options.vpcId,
    strategy,
    reuse: !baseline,
    cooldownMs: cooldownSeconds * 1000,
    recycleMs: recycleSeconds * 1000,
    workers: integer(options.workers, 'workers', baseline ? 30 : 64, 1),
    rateLimits: rateLimits(options.rateLimits ?? (baseline ? BASELINE_RATE_LIMITS : {})),
    callAttempts: integer(options.callAttempts, 'callAttempts', baseline ? 3 : 5, 1),
    requeues: integer(options.requeues, 'requeues', 5, 0),
    callBackoff: backoff(options.callBackoff, 'callBackoff', { baseMs: 200, maxMs: 10_000 }),
    requeueBackoff: backoff(options.requeueBackoff, 'requeueBackoff', {
      baseMs: 2_000,
      maxMs: 60_000,
    }),
    random: options.random ?? Math.random,
    gcIntervalMs: gcIntervalSeconds * 1000,
    trunkAttachTimeoutMs: trunkAttachTimeoutSeconds * 1000,
    retagOnReuse: !baseline && (options.retagOnReuse ?? true),
    reuseWaitMs: baseline ? 0 : number(options.reuseWaitSeconds, 'reuseWaitSeconds', 0, 0) * 1000,
    moveBranches: !baseline && flag(options.moveBranches, 'moveBranches', true),
    releaseWaitMs: baseline
      ? 0
      : number(options.releaseWaitSeconds, 'releaseWaitSeconds', 0, 0) * 1000,
    warmPool: baseline ? null : warmPool(options.warmPool),
  };
}

function number(value: number | undefined, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(field, `${String(value)} must be a number ≥ ${min}`);
  }
  return value;
}

function warmPool(
  value: BranchControllerOptions['warmPool'],
): ResolvedBranchControllerOptions['warmPool'] {
  if (value === undefined) return null;
  // Callers may be plain JavaScript: check what the type promises.
  if (typeof value !== 'object' || (value as unknown) === null) {
    throw invalid('warmPool', 'must be an object { branchesPerNode, idleSeconds? }');
  }
  const branchesPerNode = integer(value.branchesPerNode, 'warmPool.branchesPerNode', NaN, 1);
  if (branchesPerNode > 1000) {
    throw invalid('warmPool.branchesPerNode', `${branchesPerNode} must be ≤ 1000`);
  }
  const idleSeconds = number(value.idleSeconds, 'warmPool.idleSeconds', 600, 1);
  return { branchesPerNode, idleMs: idleSeconds * 1000 };
}

function flag(value: boolean | undefined, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, `${String(value)} must be true or false`);
  return value;
}

function integer(value: number | undefined, field: string, fallback: number, min: number): number {
  const resolved = number(value, field, fallback, min);
  if (!Number.isInteger(resolved)) throw invalid(field, `${resolved} must be an integer`);
  return resolved;
}

function backoff(
  value: BackoffPolicy | undefined,
  field: string,
  fallback: BackoffPolicy,
): BackoffPolicy {
  if (value === undefined) return fallback;
  const baseMs = number(value.baseMs, `${field}.baseMs`, fallback.baseMs, 0);
  const maxMs = number(value.maxMs, `${field}.maxMs`, fallback.maxMs, baseMs);
  return { baseMs, maxMs };
}

function rateLimits(value: RateLimits): RateLimits {
  if (value.shared !== undefined) {
    return { shared: bucket(value.shared, 'rateLimits.shared') };
  }
  const perApi: Partial<Record<string, TokenBucketShape>> = {};
  for (const [api, shape] of Object.entries(value.perApi ?? {})) {
    if (!(EC2_API_NAMES as readonly string[]).includes(api)) {
      throw invalid(`rateLimits.perApi.${api}`, 'is not an EC2 API the controller calls');
    }
    perApi[api] = bucket(shape, `rateLimits.perApi.${api}`);
  }
  return { perApi };
}

function bucket(shape: TokenBucketShape, field: string): TokenBucketShape {
  return {
    capacity: number(shape.capacity, `${field}.capacity`, NaN, 1),
    refillPerSecond: positive(shape.refillPerSecond, `${field}.refillPerSecond`),
  };
}

function positive(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, `${String(value)} must be a number > 0`);
  }
  return value;
}

function invalid(field: string, problem: string): AllocatorError {
  return new AllocatorError('Invalid', `BranchController options.${field} ${problem}`);
}
