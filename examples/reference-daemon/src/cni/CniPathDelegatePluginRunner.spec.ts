import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CniError } from '@podsg/cni';
import { CniPathDelegatePluginRunner } from './CniPathDelegatePluginRunner.js';

let dir: string;
let firstDir: string;
let secondDir: string;

/** A delegate that records its environment and stdin, prints a result and exits with $EXIT_WITH. */
const recordingPlugin = `#!/bin/sh
env > "$RECORD_DIR/env"
cat > "$RECORD_DIR/stdin"
printf '{"cniVersion":"1.0.0","ips":[{"address":"10.22.0.5/16"}]}'
exit "\${EXIT_WITH:-0}"
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-delegate-'));
  firstDir = join(dir, 'first');
  secondDir = join(dir, 'second');
  await mkdir(firstDir);
  await mkdir(secondDir);
  await writeFile(join(secondDir, 'recorder'), recordingPlugin);
  await chmod(join(secondDir, 'recorder'), 0o755);
  // Not executable: the search must pass over it.
  await writeFile(join(firstDir, 'recorder'), '#!/bin/sh\necho wrong\n');
  await writeFile(join(firstDir, 'killed'), '#!/bin/sh\nkill -TERM $$\n');
  await chmod(join(firstDir, 'killed'), 0o755);
  await mkdir(join(firstDir, 'adir'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CniPathDelegatePluginRunner', () => {
  const runner = new CniPathDelegatePluginRunner();
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    CNI_COMMAND: 'ADD',
    CNI_PATH: `${firstDir}:${secondDir}`,
    CNI_CONTAINERID: 'c0ffee',
    RECORD_DIR: dir,
    ...extra,
  });

  it('runs the first executable on CNI_PATH with exactly the given environment and stdin', async () => {
    const stdin = '{"cniVersion":"1.0.0","name":"podsg","type":"recorder"}';
    const outcome = await runner.run('recorder', env(), stdin);
    expect(outcome).toEqual({
      stdout: '{"cniVersion":"1.0.0","ips":[{"address":"10.22.0.5/16"}]}',
      exitCode: 0,
    });
    expect(await readFile(join(dir, 'stdin'), 'utf8')).toBe(stdin);
    const seen = (await readFile(join(dir, 'env'), 'utf8')).split('\n');
    expect(seen).toContain('CNI_CONTAINERID=c0ffee');
    expect(seen).toContain(`CNI_PATH=${firstDir}:${secondDir}`);
    // Nothing of the test runner's own environment leaks in.
    expect(seen.some((line) => line.startsWith('VITEST'))).toBe(false);
  });

  it('returns a failing plugin outcome as is', async () => {
    const outcome = await runner.run('recorder', env({ EXIT_WITH: '7' }), '{}');
    expect(outcome.exitCode).toBe(7);
    expect(outcome.stdout).toContain('10.22.0.5');
  });

  it('reports a plugin killed by a signal as 128 + the signal number', async () => {
    expect((await runner.run('killed', env(), '{}')).exitCode).toBe(128 + 15);
  });

  it.each([
    ['a plugin that is nowhere', 'absent', env()],
    ['a directory of that name', 'adir', env()],
    ['an empty CNI_PATH', 'recorder', env({ CNI_PATH: '' })],
  ])('throws DelegateNotFound for %s', async (_what, type, environment) => {
    const error = await runner.run(type, environment, '{}').catch((e: unknown) => e);
    expect(CniError.is(error, 'DelegateNotFound')).toBe(true);
    expect((error as CniError).message).toContain(type);
  });

  it.each(['../second/recorder', '/bin/sh', 'a/b', '..', ''])(
    'refuses the plugin type %j, which is not a plain name',
    async (type) => {
      const error = await runner.run(type, env(), '{}').catch((e: unknown) => e);
      expect(CniError.is(error, 'InvalidConfig')).toBe(true);
      expect((error as CniError).message).toContain('delegate.type');
    },
  );
});
