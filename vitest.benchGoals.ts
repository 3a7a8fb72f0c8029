import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * One goal a benchmark judged. A bench records its goals on its test's metadata, so no bench
 * imports anything for it:
 *
 * ```ts
 * it('plan generation per pod', ({ task }) => {
 *   …
 *   Object.assign(task.meta, {
 *     benchGoals: [{ goal: 'planPodNetwork ≤ 20 µs per pod', figure: `${plan.toFixed(2)} µs`, met: plan <= 20 }],
 *   });
 * });
 * ```
 */
export interface BenchGoal {
  goal: string;
  figure: string;
  met: boolean;
}

function isBenchGoal(value: unknown): value is BenchGoal {
  if (typeof value !== 'object' || value === null) return false;
  const { goal, figure, met } = value as Record<string, unknown>;
  return typeof goal === 'string' && typeof figure === 'string' && typeof met === 'boolean';
}

/**
 * Ends `npm run bench` with one table of every goal, its figure and "met" or "NOT met", so
 * nobody reads "all passed" over an unmet goal. A bench that recorded no goal is listed too.
 */
export class BenchGoalTable implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const rows: string[][] = [];
    for (const module of testModules) {
      const file = relative(process.cwd(), module.moduleId);
      for (const test of module.children.allTests()) {
        const recorded: unknown = (test.meta() as Record<string, unknown>)['benchGoals'];
        const goals = Array.isArray(recorded) ? recorded.filter(isBenchGoal) : [];
        const state = test.result().state;
        if (goals.length === 0) {
          rows.push(
            state === 'failed'
              ? [file, '(bench failed)', '', 'FAILED']
              : state === 'skipped'
                ? [file, '(skipped: see the reason it printed)', '', '-']
                : [file, '(no goal recorded: figures only)', '', '-'],
          );
        }
        for (const { goal, figure, met } of goals)
          rows.push([file, goal, figure, met ? 'met' : 'NOT met']);
      }
    }
    if (rows.length === 0) return;
    const header = ['bench', 'goal', 'figure', 'verdict'];
    const widths = header.map((title, column) =>
      rows.reduce((max, row) => Math.max(max, (row[column] ?? '').length), title.length),
    );
    const line = (row: readonly string[]): string =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd();
    const unmet = rows.filter((row) => row[3] === 'NOT met' || row[3] === 'FAILED').length;
    const judged = rows.filter((row) => row[3] === 'met' || row[3] === 'NOT met').length;
    process.stdout.write(
      [
        '',
        'Benchmark goals',
        line(header),
        ...rows.map(line),
        judged === 0 && unmet === 0
          ? 'no goal was judged in this run'
          : unmet === 0
            ? `all ${judged} goals met`
            : `${unmet} of ${judged} goals NOT met (or their bench failed)`,
        '',
      ].join('\n'),
    );
  }
}
