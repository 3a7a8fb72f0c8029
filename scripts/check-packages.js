#!/usr/bin/env node
/* global process, console */
// What a stranger gets from npm. Packs every published workspace, checks each tarball (LICENSE,
// no .tsbuildinfo, no tests or test harness, every source map's sources shipped, dependencies ==
// what the shipped code imports), installs the tarballs into an empty project, compiles the
// README examples (examples/readme/*.ts) against them with tsc and runs them, comparing what they
// print with the README. Run after `npm run build`; called from .ci/run.
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACES = [
  'packages/policy',
  'packages/cni',
  'packages/allocator',
  'packages/adapters-fake',
  'packages/adapters-aws',
];
// Import and export statements (`import x from 'm'`, `export * from 'm'`, `import 'm'`) and
// dynamic or type imports (`import('m')`) of bare specifiers.
const IMPORT =
  /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"./][^'"]*)['"]|^\s*import\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;
const TEST_FILE = /\.(spec|bench|testkit)\.|\.tsbuildinfo$/;

const run = (cmd, args, options = {}) =>
  execFileSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
const started = Date.now();
const problems = [];
const work = mkdtempSync(join(tmpdir(), 'podsg-packages-'));

try {
  // 1. Pack.
  const packed = JSON.parse(
    run('npm', [
      'pack',
      '--json',
      '--pack-destination',
      work,
      ...WORKSPACES.flatMap((w) => ['-w', w]),
    ]),
  );
  for (const [index, tarball] of packed.entries()) {
    const dir = WORKSPACES[index];
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const files = new Set(tarball.files.map((f) => f.path));
    const say = (message) => problems.push(`${tarball.name}: ${message}`);
    if (!files.has('LICENSE')) say('no LICENSE in the tarball');
    for (const key of ['repository', 'homepage', 'keywords', 'license'])
      if (manifest[key] === undefined) say(`package.json has no ${key}`);
    for (const file of files) if (TEST_FILE.test(file)) say(`ships ${file}`);

    // 2. Source maps point only at shipped files.
    for (const file of [...files].filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(root, dir, file), 'utf8'));
      for (const source of map.sources ?? []) {
        const target = posix.normalize(
          posix.join(posix.dirname(file), map.sourceRoot ?? '', source),
        );
        if (!files.has(target)) say(`${file} points at ${target}, which is not shipped`);
      }
    }

    // 3. Dependencies are exactly what the shipped code imports (types included).
    const imported = new Set();
    for (const file of [...files].filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(join(root, dir, file), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0];
        if (name !== manifest.name) imported.add(name);
      }
    }
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    for (const name of imported)
      if (!declared.has(name)) say(`imports ${name} but does not depend on it`);
    for (const name of declared)
      if (!imported.has(name)) say(`depends on ${name} but never imports it`);
  }

  // 4. An empty project installs the tarballs, compiles and runs the README examples.
  const project = join(work, 'project');
  cpSync(join(root, 'examples/readme'), project, {
    recursive: true,
    filter: (src) => !/\.spec\.ts$|[/\\]dist$|tsconfig\.json$/.test(src),
  });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'podsg-readme-examples', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          outDir: 'out',
          typeRoots: [join(root, 'node_modules/@types')],
          types: ['node'],
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--no-package-lock',
      ...packed.map((t) => join(work, t.filename)),
      // What the adapters-aws README tells TypeScript users to add: @kubernetes/client-node's
      // types import 'ws' (via isomorphic-ws) without depending on @types/ws.
      '@types/ws@~8.18.1',
    ],
    { cwd: project },
  );
  try {
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: project,
    });
  } catch (error) {
    problems.push(
      `README examples do not compile against the tarballs:\n${error.stdout}${error.stderr}`,
    );
  }
  const listed = JSON.parse(
    run(process.execPath, [join(root, 'scripts/check-readme-examples.js'), '--list']),
  );
  const outputs = new Map(
    listed.filter((e) => e.output !== null).map((e) => [e.example, e.output]),
  );
  for (const [example, expected] of outputs) {
    const compiled = join(project, 'out', posix.basename(example).replace(/\.ts$/, '.js'));
    try {
      const actual = run(process.execPath, [compiled], { cwd: project });
      if (actual !== expected)
        problems.push(
          `${example} against the tarballs printed:\n${actual}instead of:\n${expected}`,
        );
    } catch (error) {
      problems.push(`${example} failed against the tarballs: ${error.stderr ?? error.message}`);
    }
  }
  const installed = readdirSync(join(project, 'node_modules/@podsg')).join(', ');
  if (problems.length === 0)
    console.log(
      `packages: ${packed.length} tarballs clean; installed (${installed}) in an empty project; ` +
        `${outputs.size} README examples compiled and printed what the READMEs show ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const problem of problems) console.error(problem);
process.exit(problems.length === 0 ? 0 : 1);
