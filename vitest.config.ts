import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared.js';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: [
      'packages/*/src/**/*.spec.ts',
      'examples/*/src/**/*.spec.ts',
      'examples/readme/*.spec.ts',
    ],
    // Integration tests share host network state (namespaces, links); keep files serial.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
