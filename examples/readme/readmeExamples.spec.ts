import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/check-readme-examples.js', import.meta.url));

interface ListedExample {
  readme: string;
  example: string;
  output: string | null;
}

const listed = JSON.parse(
  execFileSync(process.execPath, [script, '--list'], { encoding: 'utf8' }),
) as ListedExample[];
const withOutput = listed.filter((entry) => entry.output !== null);

describe('README examples', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('every README includes its examples verbatim and links only inside the repository', () => {
    expect(() =>
      execFileSync(process.execPath, [script, '--check'], { cwd: root, stdio: 'pipe' }),
    ).not.toThrow();
    expect(withOutput.map((entry) => entry.readme)).toEqual(
      expect.arrayContaining([
        'packages/policy/README.md',
        'packages/allocator/README.md',
        'packages/cni/README.md',
      ]),
    );
  });

  it.each(withOutput.map((entry) => [entry.readme, entry.example, entry.output] as const))(
    '%s: %s prints what the README shows',
    async (_readme, example, output) => {
      vi.resetModules(); // an example shown in two READMEs runs again for the second
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        lines.push(format(...args));
      });
      await import(/* @vite-ignore */ `${root}${example}`);
      expect(lines.map((line) => `${line}\n`).join('')).toBe(output);
    },
  );
});
