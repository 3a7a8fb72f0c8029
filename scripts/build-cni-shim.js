/* global process, console */
// `npm run build` (after bundle-cni.js): compiles the podsg-cni forwarding shim,
// examples/reference-daemon/cni-shim/podsg-cni.c, into examples/reference-daemon/dist/cni-shim/,
// with the system's C compiler (CI: Debian's gcc and libc6-dev), statically linked when the C
// library allows it (no dynamic loader to start: the shim runs once per pod). Next to it, the
// `podsg-cni-node` launcher the shim falls back to when no agent answers: this Node.js running the
// committed bin (the one-file bundle).
//
// Without a C compiler it says so and removes any old shim: the Node.js plugin stays the one that
// runs (the tests and `installPodsgCni` use the shim only when it was built).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(repo, 'examples/reference-daemon/cni-shim/podsg-cni.c');
const outDir = join(repo, 'examples/reference-daemon/dist/cni-shim');
const shim = join(outDir, 'podsg-cni');
const launcher = join(outDir, 'podsg-cni-node');
const nodeBin = join(repo, 'examples/reference-daemon/bin/podsg-cni.js');

const compiler = process.env.CC ?? 'cc';
const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-o', shim, source];

function compile(extra) {
  execFileSync(compiler, [...extra, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Single-quotes `text` for sh. */
const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

try {
  execFileSync(compiler, ['--version'], { stdio: 'ignore' });
} catch {
  rmSync(outDir, { recursive: true, force: true });
  console.log(`no C compiler (${compiler}): podsg-cni stays the Node.js plugin, no shim built`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
let linking = 'static';
try {
  compile(['-static']);
} catch {
  // No static C library (libc6-dev ships libc.a; other distributions may not): link dynamically.
  linking = 'dynamic';
  try {
    compile([]);
  } catch (error) {
    console.error(`build-cni-shim: ${compiler} failed:\n${String(error.stderr ?? error)}`);
    process.exit(1);
  }
}
writeFileSync(
  launcher,
  [
    '#!/bin/sh',
    '# Written by scripts/build-cni-shim.js: the Node.js plugin the shim falls back to.',
    "# Relative to this file, so a copy of the repository (the kernel test's VM) runs it too.",
    `node=${quote(process.execPath)}`,
    '[ -x "$node" ] || node=node',
    `exec "$node" "$(dirname "$0")/${relative(outDir, nodeBin)}" "$@"`,
    '',
  ].join('\n'),
);
chmodSync(launcher, 0o755);
console.log(`built the podsg-cni shim: ${relative(repo, shim)} (${linking}ally linked)`);
