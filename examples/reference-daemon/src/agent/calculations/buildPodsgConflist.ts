/** The file name of podsg's network configuration: sorts before the usual `10-…` primaries. */
export const PODSG_CONFLIST_NAME = '00-podsg.conflist';

/** What podsg's entry in the conflist carries besides the delegate. */
export interface PodsgCniOptions {
  readonly agentSocket: string;
  readonly enforcingMode: 'strict' | 'standard';
  readonly mtu: number;
  readonly vethPrefix: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * podsg's network configuration list from the node's primary one (DESIGN.md's delegate model):
 * the same `cniVersion` and `name` (so the runtime's cached results and IPAM state stay the
 * primary's), `podsg-cni` first with the primary's first plugin as its `delegate` (pods that
 * need no branch are wired by it, unchanged), then the primary's other plugins (portmap,
 * bandwidth …) chained after podsg as they were after the primary.
 *
 * Throws an `Error` naming `file` and the field when the primary is not a usable CNI
 * configuration, or already is podsg's.
 */
export function buildPodsgConflist(
  primary: unknown,
  file: string,
  options: PodsgCniOptions,
): JsonObject {
  if (!isObject(primary)) throw new Error(`${file}: not a JSON object`);
  const { cniVersion, name } = primary;
  if (typeof cniVersion !== 'string' || cniVersion === '')
    throw new Error(`${file}: cniVersion must be a string`);
  if (typeof name !== 'string' || name === '')
    throw new Error(`${file}: name must be a non-empty string`);
  let plugins: unknown[];
  if ('plugins' in primary) {
    if (!Array.isArray(primary['plugins']) || primary['plugins'].length === 0) {
      throw new Error(`${file}: plugins must be a non-empty list`);
    }
    plugins = primary['plugins'];
  } else {
    // A single-plugin .conf: the object is the plugin (without the list's own fields).
    const { cniVersion: _version, name: _name, ...plugin } = primary;
    plugins = [plugin];
  }
  plugins.forEach((plugin, index) => {
    if (!isObject(plugin) || typeof plugin['type'] !== 'string' || plugin['type'] === '') {
      throw new Error(`${file}: plugins[${index}].type must be a non-empty string`);
    }
    if (plugin['type'] === 'podsg-cni')
      throw new Error(`${file}: plugins[${index}] is podsg-cni already`);
  });
  const [delegate, ...chained] = plugins as JsonObject[];
  return {
    cniVersion,
    name,
    plugins: [
      {
        type: 'podsg-cni',
        podSGEnforcingMode: options.enforcingMode,
        mtu: options.mtu,
        vethPrefix: options.vethPrefix,
        agentSocket: options.agentSocket,
        delegate,
      },
      ...chained,
    ],
  };
}

/**
 * The configuration the runtime uses today (the first `.conflist`, `.conf` or `.json` file in
 * name order, as libcni picks), podsg's own excluded; null when there is none.
 */
export function choosePrimaryConfig(fileNames: readonly string[]): string | null {
  const candidates = fileNames
    .filter(
      (name) =>
        /\.(conflist|conf|json)$/.test(name) &&
        !name.startsWith('.') &&
        name !== PODSG_CONFLIST_NAME,
    )
    .sort();
  return candidates[0] ?? null;
}
