#!/usr/bin/env node
/* global URL */
// Runs the plugin bundled into one file by `npm run build` (scripts/bundle-cni.js): the runtime
// starts it once per pod, and one module loads several times faster than the ~40 of tsc's output.
// Without a bundle (only `tsc -b` was run) it runs tsc's output, the same code, more slowly.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/podsg-cni.bundle.mjs', import.meta.url);
await import(existsSync(bundle) ? bundle.href : '../dist/bin/podsg-cni.js');
