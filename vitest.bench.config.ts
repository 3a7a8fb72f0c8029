import { defineConfig } from 'vitest/config';
import { BenchGoalTable } from './vitest.benchGoals.js';
import { workspaceAliases } from './vitest.shared.js';

/** `npm run bench`: benchmark files print their figures and ratios; run one at a time on a quiet core. */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['packages/*/src/**/*.bench.ts', 'examples/*/src/**/*.bench.ts'],
    fileParallelism: false,
    disableConsoleIntercept: true,
    testTimeout: 600_000,
    // The last thing printed: every goal, its figure, met or NOT met.
    reporters: ['default', new BenchGoalTable()],
  },
});
