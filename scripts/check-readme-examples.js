#!/usr/bin/env node
/* global process, console */
// README code that cannot rot. Every TypeScript example in a README is a file under
// examples/readme/ (compiled by `tsc -b`, run by examples/readme/readmeExamples.spec.ts) that the
// README includes between markers:
//
//   <!-- example: examples/readme/NAME.ts -->      the file, verbatim, in a ```ts fence
//   <!-- output: examples/readme/NAME.ts -->       what running it prints, in a ``` fence
//   <!-- /example -->, <!-- /output -->            close each block
//
// A ```ts fence outside an example block must follow `<!-- sketch: reason -->` (code that cannot
// compile on its own, e.g. an internal module of the private daemon). Links in READMEs and docs/
// must stay inside the repository and point at files that exist.
//
//   node scripts/check-readme-examples.js            check (exit 1 listing every mismatch)
//   node scripts/check-readme-examples.js --write    copy the example files into the READMEs
//   node scripts/check-readme-examples.js --list     print [{ readme, example, output }] as JSON
//   node scripts/check-readme-examples.js --write-outputs   run examples/readme/dist/NAME.js
//                                                    (after a build) and record what it prints
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BLOCK = /<!-- (example|output): (\S+) -->\n\n```(\w*)\n([\s\S]*?)```\n\n<!-- \/\1 -->/g;

/** Markdown files to check: every README outside node_modules and dist, and docs/. */
function markdownFiles(dir = root, found = []) {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', '.git', '.cache', 'coverage'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) markdownFiles(path, found);
    else if (name === 'README.md' || (relative(root, dir) === 'docs' && name.endsWith('.md')))
      found.push(path);
  }
  return found.sort();
}

/** The example and output blocks of one markdown file. */
function blocksOf(text) {
  return [...text.matchAll(BLOCK)].map((m) => ({
    kind: m[1],
    file: m[2],
    lang: m[3],
    body: m[4],
    start: m.index,
    end: m.index + m[0].length,
  }));
}

function problemsOf(path, text) {
  const rel = relative(root, path);
  const problems = [];
  const blocks = blocksOf(text);
  for (const block of blocks) {
    const file = join(root, block.file);
    if (!existsSync(file)) {
      problems.push(`${rel}: ${block.kind} block names missing file ${block.file}`);
    } else if (block.kind === 'example') {
      if (block.lang !== 'ts') problems.push(`${rel}: example ${block.file} must be a ts fence`);
      if (block.body !== readFileSync(file, 'utf8'))
        problems.push(`${rel}: example block differs from ${block.file} (run with --write)`);
    }
  }
  const inside = (index) => blocks.some((b) => b.start <= index && index < b.end);
  for (const fence of text.matchAll(/^```(ts|typescript)$/gm)) {
    if (inside(fence.index)) continue;
    const before = text.slice(0, fence.index).trimEnd();
    if (!/<!-- sketch: [^>]+ -->$/.test(before)) {
      const line = text.slice(0, fence.index).split('\n').length;
      problems.push(`${rel}:${line}: TypeScript fence outside an example block (see this script)`);
    }
  }
  for (const link of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = link[1];
    if (/^[a-z]+:/i.test(target) || target.startsWith('/')) {
      problems.push(`${rel}: link ${target} leaves the repository`);
      continue;
    }
    const file = target.split('#')[0];
    if (file === '') continue;
    const absolute = resolve(dirname(path), file);
    if (relative(root, absolute).startsWith('..'))
      problems.push(`${rel}: link ${target} leaves the repository`);
    else if (!existsSync(absolute)) problems.push(`${rel}: link ${target} points at nothing`);
  }
  return problems;
}

function replaceBlocks(text, bodyOf) {
  let out = '';
  let at = 0;
  for (const block of blocksOf(text)) {
    const body = bodyOf(block);
    out += text.slice(at, block.start);
    out += `<!-- ${block.kind}: ${block.file} -->\n\n\`\`\`${block.lang}\n${body}\`\`\`\n\n<!-- /${block.kind} -->`;
    at = block.end;
  }
  return out + text.slice(at);
}

const mode = process.argv[2] ?? '--check';
const files = markdownFiles();
if (mode === '--list') {
  const list = [];
  for (const path of files) {
    const blocks = blocksOf(readFileSync(path, 'utf8'));
    for (const example of blocks.filter((b) => b.kind === 'example')) {
      const output = blocks.find((b) => b.kind === 'output' && b.file === example.file);
      list.push({
        readme: relative(root, path),
        example: example.file,
        output: output?.body ?? null,
      });
    }
  }
  console.log(JSON.stringify(list, null, 2));
} else if (mode === '--write' || mode === '--write-outputs') {
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    const next = replaceBlocks(text, (block) => {
      if (block.kind === 'example') return readFileSync(join(root, block.file), 'utf8');
      if (mode === '--write') return block.body;
      const compiled = join(
        root,
        block.file.replace(/^examples\/readme\//, 'examples/readme/dist/'),
      );
      return execFileSync(process.execPath, [compiled.replace(/\.ts$/, '.js')], {
        encoding: 'utf8',
      });
    });
    if (next !== text) {
      writeFileSync(path, next);
      console.log(`updated ${relative(root, path)}`);
    }
  }
} else if (mode === '--check') {
  const problems = files.flatMap((path) => problemsOf(path, readFileSync(path, 'utf8')));
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exit(1);
  console.log(`README examples and links: ${files.length} files checked, all consistent`);
} else {
  console.error(`usage: check-readme-examples.js [--check | --write | --write-outputs | --list]`);
  process.exit(2);
}
