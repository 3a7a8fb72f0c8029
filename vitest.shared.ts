import { fileURLToPath } from 'node:url';

const src = (path: string): string =>
  fileURLToPath(new URL(`${path}/src/index.ts`, import.meta.url));

/** Tests and benchmarks import workspace packages from source, so they never run stale builds. */
export const workspaceAliases = {
  '@podsg/policy': src('./packages/policy'),
  '@podsg/allocator/pod-eni': fileURLToPath(
    new URL('./packages/allocator/src/calculations/podEniAnnotation.ts', import.meta.url),
  ),
  '@podsg/allocator': src('./packages/allocator'),
  '@podsg/cni': src('./packages/cni'),
  '@podsg/adapters-fake': src('./packages/adapters-fake'),
  '@podsg/adapters-aws/linux': fileURLToPath(
    new URL('./packages/adapters-aws/src/linux/index.ts', import.meta.url),
  ),
  '@podsg/adapters-aws': src('./packages/adapters-aws'),
};
