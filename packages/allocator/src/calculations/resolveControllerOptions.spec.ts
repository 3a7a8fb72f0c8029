import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import { resolveControllerOptions } from './resolveControllerOptions.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(AllocatorError.is(error, 'Invalid')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('resolveControllerOptions', () => {
  it('defaults the podsg strategy: reuse, 64 workers, per-API buckets, 60 s cooldown, 300 s recycle', () => {
    expect(resolveControllerOptions({ clusterName: 'demo' })).toMatchObject({
      strategy: 'podsg',
      reuse: true,
      workers: 64,
      cooldownMs: 60_000,
      recycleMs: 300_000,
      callAttempts: 5,
      requeues: 5,
      rateLimits: { perApi: {} },
      retagOnReuse: true,
      moveBranches: true,
      releaseWaitMs: 0,
      warmPool: null,
    });
  });

  it('resolves the warm pool, naming its bad fields', () => {
    expect(
      resolveControllerOptions({ clusterName: 'demo', warmPool: { branchesPerNode: 3 } }).warmPool,
    ).toEqual({ branchesPerNode: 3, idleMs: 600_000 });
    expect(
      resolveControllerOptions({
        clusterName: 'demo',
        strategy: 'baseline',
        warmPool: { branchesPerNode: 3 },
      }).warmPool,
    ).toBeNull();
    expect(
      refusal(() =>
        resolveControllerOptions({ clusterName: 'd', warmPool: { branchesPerNode: 0 } }),
      ),
    ).toMatch(/options\.warmPool\.branchesPerNode/);
    expect(
      refusal(() =>
        resolveControllerOptions({ clusterName: 'd', warmPool: { branchesPerNode: 2.5 } }),
      ),
    ).toMatch(/options\.warmPool\.branchesPerNode/);
    expect(
      refusal(() =>
        resolveControllerOptions({
          clusterName: 'd',
          warmPool: { branchesPerNode: 2, idleSeconds: 0 },
        }),
      ),
    ).toMatch(/options\.warmPool\.idleSeconds/);
    expect(
      refusal(() => resolveControllerOptions({ clusterName: 'd', warmPool: 5 as never })),
    ).toMatch(/options\.warmPool /);
  });

  it('moves branches by default and waits for releases only when asked; the baseline does neither', () => {
    expect(
      resolveControllerOptions({ clusterName: 'demo', releaseWaitSeconds: 3 }).releaseWaitMs,
    ).toBe(3_000);
    expect(
      resolveControllerOptions({
        clusterName: 'demo',
        strategy: 'baseline',
        moveBranches: true,
        releaseWaitSeconds: 3,
      }),
    ).toMatchObject({ moveBranches: false, releaseWaitMs: 0 });
    expect(
      refusal(() =>
        resolveControllerOptions({ clusterName: 'd', moveBranches: 'yes' as unknown as boolean }),
      ),
    ).toMatch(/options\.moveBranches/);
    expect(
      refusal(() => resolveControllerOptions({ clusterName: 'd', releaseWaitSeconds: -1 })),
    ).toMatch(/options\.releaseWaitSeconds/);
  });

  it("presets the baseline as EKS's controller, explicit options still winning", () => {
    expect(resolveControllerOptions({ clusterName: 'demo', strategy: 'baseline' })).toMatchObject({
      reuse: false,
      workers: 30,
      callAttempts: 3,
      requeues: 5,
      cooldownMs: 60_000,
      rateLimits: { shared: { capacity: 18, refillPerSecond: 12 } },
      retagOnReuse: false,
    });
    expect(
      resolveControllerOptions({ clusterName: 'demo', strategy: 'baseline', workers: 4 }).workers,
    ).toBe(4);
  });

  it('refuses bad options, naming them', () => {
    expect(refusal(() => resolveControllerOptions({ clusterName: '' }))).toMatch(/clusterName/);
    expect(
      refusal(() => resolveControllerOptions({ clusterName: 'd', cooldownSeconds: 29 })),
    ).toMatch(/cooldownSeconds/);
    expect(refusal(() => resolveControllerOptions({ clusterName: 'd', workers: 1.5 }))).toMatch(
      /workers/,
    );
    expect(
      refusal(() =>
        resolveControllerOptions({
          clusterName: 'd',
          rateLimits: { perApi: { CreateNetworkInterface: { capacity: 0, refillPerSecond: 1 } } },
        }),
      ),
    ).toMatch(/rateLimits\.perApi\.CreateNetworkInterface\.capacity/);
    expect(
      refusal(() =>
        resolveControllerOptions({
          clusterName: 'd',
          rateLimits: { perApi: { RunInstances: { capacity: 1, refillPerSecond: 1 } } as never },
        }),
      ),
    ).toMatch(/RunInstances/);
    expect(
      refusal(() =>
        resolveControllerOptions({
          clusterName: 'd',
          rateLimits: { shared: { capacity: 5, refillPerSecond: 0 } },
        }),
      ),
    ).toMatch(/rateLimits\.shared\.refillPerSecond/);
    expect(refusal(() => resolveControllerOptions({ clusterName: 'd', vpcId: 'nope' }))).toMatch(
      /vpcId/,
    );
  });
});
