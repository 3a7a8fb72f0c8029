/* global process, console, performance */
// `npm run build` (after `tsc -b`): bundles the podsg-cni plugin into one ES module,
// examples/reference-daemon/dist/podsg-cni.bundle.mjs, which the committed shim
// examples/reference-daemon/bin/podsg-cni.js runs. The container runtime starts the plugin once
// per pod operation, and Node 20 pays about 0.7 ms per ES module it loads: one file instead of
// ~45 saves a third of the plugin's start-up. Node built-ins stay external; the plugin's lazy
// `import()`s of built-ins (node:http, node:child_process) stay lazy.
//
// It bundles the tsc output (dist/), so what ships is what `tsc -b` type-checked. The build fails
// on any bundler warning (an unresolved import would otherwise become a silent external) and when
// anything from node_modules other than our own @podsg workspaces lands in the bundle: the plugin
// must stay lean.
import { stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = join(repo, 'examples/reference-daemon/dist/bin/podsg-cni.js');
const output = join(repo, 'examples/reference-daemon/dist/podsg-cni.bundle.mjs');

/** Where a bundled module may come from: our workspaces' tsc output (also via node_modules/@podsg). */
function isOwnModule(id) {
  const path = relative(repo, id).split(sep).join('/');
  return /^(packages\/[^/]+|examples\/[^/]+|node_modules\/@podsg\/[^/]+)\/dist\//.test(path);
}

async function main() {
  try {
    await stat(input);
  } catch {
    throw new Error(`${relative(repo, input)} is missing: run tsc -b first`);
  }
  const problems = [];
  const started = performance.now();
  const result = await build({
    input,
    platform: 'node',
    onLog(level, log) {
      problems.push(`${level}: ${log.message}`);
    },
    output: {
      file: output,
      format: 'esm',
      // One file: lazy imports of our own modules become lazily run code in the same file.
      codeSplitting: false,
      // Measured: minifying does not start the plugin faster (Node parses functions lazily);
      // readable code keeps stack traces in the runtime's logs useful.
      minify: false,
    },
  });
  if (problems.length > 0) {
    throw new Error(`rolldown reported:\n  ${problems.join('\n  ')}`);
  }
  const chunks = result.output.filter((item) => item.type === 'chunk');
  if (chunks.length !== 1) {
    throw new Error(`expected one output file, rolldown wrote ${String(chunks.length)}`);
  }
  const [chunk] = chunks;
  const foreign = chunk.moduleIds.filter((id) => !id.startsWith('\0') && !isOwnModule(id));
  if (foreign.length > 0) {
    throw new Error(
      `podsg-cni must bundle only @podsg code and node built-ins, but it pulls in:\n  ${foreign
        .map((id) => relative(repo, id))
        .join('\n  ')}`,
    );
  }
  const ms = performance.now() - started;
  console.log(
    `bundled podsg-cni: ${relative(repo, output)} (${String(chunk.moduleIds.length)} modules, ${(
      chunk.code.length / 1024
    ).toFixed(0)} KiB) in ${ms.toFixed(0)} ms`,
  );
}

main().catch((error) => {
  console.error(`bundle-cni: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
