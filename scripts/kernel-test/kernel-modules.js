#!/usr/bin/env node
/* global Buffer, console, process */
// Host side: copy the named kernel modules and everything they depend on out of an
// extracted Debian kernel package, decompressed, plus a `load-order` file (dependencies
// first) that the VM's init feeds to busybox insmod.
//
// Debian's package ships no modules.dep (depmod builds it at install time), so the
// dependencies come from each module's own `.modinfo` section (`depends=a,b`), which is
// the data depmod reads too.
//
// usage: node kernel-modules.js <lib/modules/VERSION dir> <out dir> <module> [<module>…]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [moduleRoot, outDir, ...wanted] = process.argv.slice(2);
if (!moduleRoot || !outDir || wanted.length === 0) {
  console.error('usage: kernel-modules.js <lib/modules/VERSION> <out dir> <module>...');
  process.exit(2);
}

/** Module names treat '-' and '_' alike (as modprobe does). */
const canonical = (name) => name.replace(/-/g, '_');

/** name -> path of every module file under kernel/. */
const files = new Map();
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else {
      const match = /^(.+)\.ko(\.xz|\.zst|\.gz)?$/.exec(entry.name);
      if (match?.[1]) files.set(canonical(match[1]), path);
    }
  }
};
walk(join(moduleRoot, 'kernel'));

/** The module's bytes, decompressed when the package compresses modules. */
const readModule = (path) => {
  if (path.endsWith('.xz')) return execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 28 });
  if (path.endsWith('.zst')) return execFileSync('zstd', ['-dcq', path], { maxBuffer: 1 << 28 });
  if (path.endsWith('.gz')) return execFileSync('gzip', ['-dc', path], { maxBuffer: 1 << 28 });
  return readFileSync(path);
};

/** The `depends=` value of a module's .modinfo section. */
const dependsOf = (bytes) => {
  const key = Buffer.from('\0depends=');
  const at = bytes.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const value = bytes.subarray(start, bytes.indexOf(0, start)).toString('latin1');
  return value ? value.split(',').map(canonical) : [];
};

// Builtin modules need no file (e.g. `llc` may be =y on some configs).
const builtin = new Set(
  readFileSync(join(moduleRoot, 'modules.builtin'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => canonical(line.replace(/^.*\//, '').replace(/\.ko.*$/, ''))),
);

mkdirSync(outDir, { recursive: true });
const order = [];
const visiting = new Set();
const done = new Set();
const visit = (name) => {
  if (done.has(name) || builtin.has(name)) return;
  if (visiting.has(name)) throw new Error(`module dependency cycle at ${name}`);
  const path = files.get(name);
  if (!path) throw new Error(`module ${name} is neither built in nor in ${moduleRoot}`);
  visiting.add(name);
  const bytes = readModule(path);
  for (const dep of dependsOf(bytes)) visit(dep);
  writeFileSync(join(outDir, `${name}.ko`), bytes);
  visiting.delete(name);
  done.add(name);
  order.push(name);
};
for (const name of wanted) visit(canonical(name));
writeFileSync(join(outDir, 'load-order'), order.join('\n') + '\n');
copyFileSync(join(moduleRoot, 'modules.builtin'), join(outDir, 'modules.builtin'));
console.log(`modules: ${order.join(' ')}`);
