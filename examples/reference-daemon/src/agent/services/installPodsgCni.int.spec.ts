// The CNI install on a real filesystem: the conflist is replaced atomically (a reader polling
// it during many rewrites only ever sees complete JSON), files are rewritten only on change.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../daemon/services/writeFileAtomic.js';
import { PODSG_CONFLIST_NAME } from '../calculations/buildPodsgConflist.js';
import { installPodsgCni, writePodsgConflist } from './installPodsgCni.js';

const options = {
  agentSocket: '/run/podsg/agent.sock',
  enforcingMode: 'standard' as const,
  mtu: 9001,
  vethPrefix: 'eni',
};
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-cni-install-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writePodsgConflist', () => {
  it("writes podsg's conflist next to the primary, once, and refuses when there is none", async () => {
    await expect(writePodsgConflist(dir, options)).rejects.toThrow('no primary CNI configuration');
    await writeFile(
      join(dir, '10-aws.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'aws-cni', plugins: [{ type: 'aws-cni' }] }),
    );
    expect(await writePodsgConflist(dir, options)).toEqual({
      primary: join(dir, '10-aws.conflist'),
      written: true,
    });
    expect(await writePodsgConflist(dir, options)).toMatchObject({ written: false });
    const written = JSON.parse(await readFile(join(dir, PODSG_CONFLIST_NAME), 'utf8')) as {
      plugins: { type: string }[];
    };
    expect(written.plugins.map((plugin) => plugin.type)).toEqual(['podsg-cni']);
    expect(await readdir(dir)).toEqual([PODSG_CONFLIST_NAME, '10-aws.conflist'].sort());
  });

  it('never exposes a partly written file to a reader', async () => {
    const target = join(dir, PODSG_CONFLIST_NAME);
    await writeFileAtomic(target, JSON.stringify({ n: 0 }));
    let reads = 0;
    let broken = 0;
    const writer = { done: false };
    const reader = (async () => {
      while (!writer.done) {
        const text = await readFile(target, 'utf8');
        reads++;
        try {
          JSON.parse(text);
        } catch {
          broken++;
        }
      }
    })();
    const big = 'x'.repeat(256 * 1024);
    for (let n = 1; n <= 100; n++) await writeFileAtomic(target, JSON.stringify({ n, big }));
    writer.done = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(broken).toBe(0);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('installPodsgCni', () => {
  it('without a shim installs the bundle, the runtime and an executable launcher, rewriting only what changed', async () => {
    const bundle = join(dir, 'bundle.mjs');
    await writeFile(bundle, 'console.log("plugin")\n');
    const binDir = join(dir, 'bin');
    await (await import('node:fs/promises')).mkdir(binDir);
    const first = await installPodsgCni({ binDir, bundle, nodeBinary: bundle, shim: null });
    expect(first.written.map((path) => path.slice(binDir.length + 1)).sort()).toEqual([
      'podsg-cni',
      'podsg-cni.mjs',
      'podsg-node',
    ]);
    expect((await stat(join(binDir, 'podsg-cni'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(binDir, 'podsg-cni'), 'utf8')).toContain(
      'exec "$here/podsg-node" "$here/podsg-cni.mjs" "$@"',
    );
    expect(
      (await installPodsgCni({ binDir, bundle, nodeBinary: bundle, shim: null })).written,
    ).toEqual([]);
    await writeFile(bundle, 'console.log("plugin v2")\n');
    expect(
      (await installPodsgCni({ binDir, bundle, nodeBinary: null, shim: null })).written
        .map((path) => path.slice(binDir.length + 1))
        .sort(),
    ).toEqual(['podsg-cni', 'podsg-cni.mjs']);
  });

  it('with the shim installs it as podsg-cni and the launcher as its fallback podsg-cni-node', async () => {
    const bundle = join(dir, 'bundle.mjs');
    const shim = join(dir, 'shim');
    await writeFile(bundle, 'console.log("plugin")\n');
    await writeFile(shim, '\x7fELF the shim');
    const binDir = join(dir, 'bin');
    await (await import('node:fs/promises')).mkdir(binDir);
    const first = await installPodsgCni({ binDir, bundle, nodeBinary: bundle, shim });
    // podsg-cni last: the runtime never runs a shim whose fallback is not there yet.
    expect(first.written.map((path) => path.slice(binDir.length + 1))).toEqual([
      'podsg-cni.mjs',
      'podsg-node',
      'podsg-cni-node',
      'podsg-cni',
    ]);
    expect(await readFile(join(binDir, 'podsg-cni'), 'utf8')).toBe('\x7fELF the shim');
    expect((await stat(join(binDir, 'podsg-cni'))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(binDir, 'podsg-cni-node'), 'utf8')).toContain(
      'exec "$here/podsg-node" "$here/podsg-cni.mjs" "$@"',
    );
    expect((await installPodsgCni({ binDir, bundle, nodeBinary: bundle, shim })).written).toEqual(
      [],
    );
  });
});
