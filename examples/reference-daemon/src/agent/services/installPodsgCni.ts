import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../daemon/services/writeFileAtomic.js';
import {
  buildPodsgConflist,
  choosePrimaryConfig,
  PODSG_CONFLIST_NAME,
  type PodsgCniOptions,
} from '../calculations/buildPodsgConflist.js';

/** The bundled plugin `npm run build` makes (one module: the plugin starts once per pod). */
export const PODSG_CNI_BUNDLE = fileURLToPath(
  new URL('../../../dist/podsg-cni.bundle.mjs', import.meta.url),
);

/**
 * The forwarding shim `npm run build` compiles when the machine has a C compiler
 * (scripts/build-cni-shim.js); absent without one.
 */
export const PODSG_CNI_SHIM = fileURLToPath(
  new URL('../../../dist/cni-shim/podsg-cni', import.meta.url),
);

/** What was installed. */
export interface CniInstallation {
  /** Files written (unchanged ones are not rewritten). */
  readonly written: readonly string[];
}

/**
 * Installs `podsg-cni` into the host's CNI bin directory: the bundle as `podsg-cni.mjs`, the
 * Node.js runtime as `podsg-node` (a copy of `nodeBinary`; null uses the host's `node`), and what
 * the runtime executes as `podsg-cni`:
 * - with the forwarding shim (`shim`; by default the built one, when there is one): the shim,
 *   which hands each call to this agent, and next to it `podsg-cni-node`, the launcher of the
 *   Node.js plugin it falls back to when no agent answers;
 * - without (`shim: null`, or none built): that launcher itself.
 *
 * Each file is written atomically and only when its content differs, `podsg-cni` last, so a
 * running pod start never sees a half-written plugin nor a shim without its fallback.
 */
export async function installPodsgCni(options: {
  binDir: string;
  bundle?: string;
  nodeBinary: string | null;
  shim?: string | null;
}): Promise<CniInstallation> {
  const written: string[] = [];
  const install = async (
    name: string,
    content: Uint8Array | string,
    mode: number,
  ): Promise<void> => {
    const target = join(options.binDir, name);
    if (await sameContent(target, content)) return;
    await writeFileAtomic(target, content, mode);
    written.push(target);
  };
  const bundle = await readFile(options.bundle ?? PODSG_CNI_BUNDLE).catch((cause: unknown) => {
    throw new Error(
      `podsg-cni bundle ${options.bundle ?? PODSG_CNI_BUNDLE} missing (run npm run build): ${String(cause)}`,
      { cause },
    );
  });
  const shimPath =
    options.shim === undefined
      ? existsSync(PODSG_CNI_SHIM)
        ? PODSG_CNI_SHIM
        : null
      : options.shim;
  await install('podsg-cni.mjs', bundle, 0o644);
  if (options.nodeBinary !== null)
    await install('podsg-node', await readFile(options.nodeBinary), 0o755);
  const runtime = options.nodeBinary === null ? 'node' : '"$here/podsg-node"';
  const launcher = [
    '#!/bin/sh',
    '# Installed by podsgd node-agent: runs the podsg-cni bundle.',
    'here=$(dirname "$0")',
    `exec ${runtime} "$here/podsg-cni.mjs" "$@"`,
    '',
  ].join('\n');
  if (shimPath === null) {
    await install('podsg-cni', launcher, 0o755);
    return { written };
  }
  await install('podsg-cni-node', launcher, 0o755);
  await install('podsg-cni', await readFile(shimPath), 0o755);
  return { written };
}

/**
 * Writes podsg's conflist (`00-podsg.conflist`) built from the primary configuration in `confDir`,
 * atomically and only when it changes. Throws an `Error` naming the file when there is no
 * primary configuration, it is unusable, or it sorts before podsg's (the runtime would not use
 * podsg's then).
 */
export async function writePodsgConflist(
  confDir: string,
  options: PodsgCniOptions,
): Promise<{ primary: string; written: boolean }> {
  const primary = choosePrimaryConfig(await readdir(confDir));
  if (primary === null)
    throw new Error(
      `${confDir}: no primary CNI configuration (.conflist, .conf) to delegate to yet`,
    );
  if (primary < PODSG_CONFLIST_NAME) {
    throw new Error(
      `${join(confDir, primary)} sorts before ${PODSG_CONFLIST_NAME}: the runtime would not use podsg's configuration`,
    );
  }
  const file = join(confDir, primary);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new Error(
      `${file}: not JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  const text = `${JSON.stringify(buildPodsgConflist(parsed, file, options), null, 2)}\n`;
  const target = join(confDir, PODSG_CONFLIST_NAME);
  if (await sameContent(target, text)) return { primary: file, written: false };
  await writeFileAtomic(target, text, 0o644);
  return { primary: file, written: true };
}

async function sameContent(path: string, content: Uint8Array | string): Promise<boolean> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  try {
    if ((await stat(path)).size !== bytes.length) return false;
    const digest = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
    return digest(await readFile(path)) === digest(bytes);
  } catch {
    return false;
  }
}
