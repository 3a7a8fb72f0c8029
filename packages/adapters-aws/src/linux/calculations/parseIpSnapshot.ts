import type {
  AddressState,
  LinkState,
  NeighbourState,
  NetworkSnapshot,
  RouteState,
  RuleState,
  Table,
} from '@podsg/cni';

/**
 * The JSON documents of one namespace as printed by `ip -j -d -N` (numeric tables, scopes and
 * route types): `link show`, `addr show`, `neigh show nud permanent`, and per family
 * `route show table all` and `rule show`.
 */
export interface IpJsonDocuments {
  links: unknown;
  addresses: unknown;
  neighbours: unknown;
  routes: unknown[];
  /** `rule show` of IPv4, then of IPv6 (a rule naming no address exists once per family). */
  rules: { inet: unknown; inet6: unknown };
}

type JsonObject = Record<string, unknown>;

function objects(document: unknown): JsonObject[] {
  return Array.isArray(document)
    ? document.filter((item): item is JsonObject => typeof item === 'object' && item !== null)
    : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function integer(value: unknown): number | undefined {
  const number = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
}

/** A table as the snapshot names it: 254 is `main`, 255 is `local`; absent means `main`. */
function table(value: unknown): Table | undefined {
  if (value === undefined || value === 'main') return 'main';
  if (value === 'local') return 'local';
  const number = integer(value);
  if (number === 254) return 'main';
  if (number === 255) return 'local';
  return number;
}

/** `ip -j` prints host routes and rule selectors without their /32 or /128. */
function withPrefix(address: string, prefixLength?: unknown): string {
  if (address.includes('/')) return address.toLowerCase();
  const length = integer(prefixLength) ?? (address.includes(':') ? 128 : 32);
  return `${address.toLowerCase()}/${String(length)}`;
}

const SCOPES: Record<string, RouteState['scope']> = {
  '0': 'universe',
  universe: 'universe',
  global: 'universe',
  '253': 'link',
  link: 'link',
  '254': 'host',
  host: 'host',
};

const PARENTED_KINDS = new Set(['vlan', 'macvlan', 'ipvlan', 'macvtap']);

function link(entry: JsonObject): LinkState | undefined {
  const name = text(entry.ifname);
  if (name === undefined) return undefined;
  const flags = Array.isArray(entry.flags) ? entry.flags : [];
  const linkInfo =
    typeof entry.linkinfo === 'object' && entry.linkinfo !== null ? entry.linkinfo : {};
  const kind = text((linkInfo as JsonObject).info_kind);
  const infoData = (linkInfo as JsonObject).info_data;
  const vlanId =
    kind === 'vlan' && typeof infoData === 'object' && infoData !== null
      ? integer((infoData as JsonObject).id)
      : undefined;
  const parent = text(entry.link);
  const alias = text(entry.ifalias);
  return {
    name,
    ...(kind === undefined ? {} : { kind }),
    mac: (text(entry.address) ?? '').toLowerCase(),
    mtu: integer(entry.mtu) ?? 0,
    up: flags.includes('UP'),
    // A parent in another namespace is printed without a name (`link_netnsid`).
    ...(kind !== undefined &&
    PARENTED_KINDS.has(kind) &&
    parent !== undefined &&
    entry.link_netnsid === undefined
      ? { parent }
      : {}),
    ...(vlanId === undefined ? {} : { vlanId }),
    ...(alias === undefined ? {} : { alias }),
  };
}

function addresses(entry: JsonObject): AddressState[] {
  const dev = text(entry.ifname);
  if (dev === undefined || !Array.isArray(entry.addr_info)) return [];
  return objects(entry.addr_info).flatMap((address) => {
    const local = text(address.local);
    return local === undefined ? [] : [{ dev, cidr: withPrefix(local, address.prefixlen) }];
  });
}

function route(entry: JsonObject): RouteState | undefined {
  // Only unicast routes: local, broadcast, multicast and anycast entries are the kernel's own.
  const type = entry.type;
  if (type !== undefined && type !== '1' && type !== 1 && type !== 'unicast') return undefined;
  const dst = text(entry.dst);
  const routeTable = table(entry.table);
  if (dst === undefined || routeTable === undefined) return undefined;
  const dev = text(entry.dev);
  const via = text(entry.gateway);
  const scopeName = typeof entry.scope === 'number' ? String(entry.scope) : text(entry.scope);
  const scope = entry.scope === undefined ? 'universe' : SCOPES[scopeName ?? ''];
  return {
    table: routeTable,
    dst: dst === 'default' ? 'default' : withPrefix(dst),
    ...(dev === undefined ? {} : { dev }),
    ...(via === undefined ? {} : { via: via.toLowerCase() }),
    ...(scope === undefined ? {} : { scope }),
  };
}

function selector(value: unknown, length: unknown): string | undefined {
  const address = text(value);
  return address === undefined || address === 'all' ? undefined : withPrefix(address, length);
}

function rule(entry: JsonObject, family: 4 | 6): RuleState | undefined {
  const priority = integer(entry.priority);
  // Rules without a table (goto, blackhole …) are not podsg's.
  const ruleTable = entry.table === undefined ? undefined : table(entry.table);
  if (priority === undefined || ruleTable === undefined) return undefined;
  const from = selector(entry.src, entry.srclen);
  const to = selector(entry.dst, entry.dstlen);
  const iif = text(entry.iif);
  const mark = text(entry.fwmark);
  const mask = text(entry.fwmask);
  const fwmark =
    mark === undefined
      ? undefined
      : mask === undefined || mask === '0xffffffff'
        ? mark
        : `${mark}/${mask}`;
  return {
    priority,
    table: ruleTable,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(iif === undefined ? {} : { iif }),
    ...(fwmark === undefined ? {} : { fwmark: fwmark.toLowerCase() }),
    family,
  };
}

function neighbour(entry: JsonObject): NeighbourState | undefined {
  const ip = text(entry.dst);
  const dev = text(entry.dev);
  const mac = text(entry.lladdr);
  if (ip === undefined || dev === undefined || mac === undefined) return undefined;
  const state = Array.isArray(entry.state) ? entry.state : [];
  return {
    dev,
    ip: ip.toLowerCase(),
    mac: mac.toLowerCase(),
    permanent: state.includes('PERMANENT'),
  };
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/**
 * Normalises `ip -j` output into a `NetworkSnapshot`: MACs and addresses lowercase, CIDRs with
 * prefix lengths (`10.0.0.1/32`, `default` kept), tables as numbers or `main`/`local`, route scope
 * always present (`universe` when the kernel prints none), rules with their family. Only unicast
 * routes are kept.
 */
export function parseIpSnapshot(documents: IpJsonDocuments): NetworkSnapshot {
  const rules = [
    ...objects(documents.rules.inet).map((entry) => rule(entry, 4)),
    ...objects(documents.rules.inet6).map((entry) => rule(entry, 6)),
  ].filter(defined);
  return {
    links: objects(documents.links).map(link).filter(defined),
    addresses: objects(documents.addresses).flatMap(addresses),
    routes: documents.routes.flatMap((document) => objects(document).map(route)).filter(defined),
    rules,
    neighbours: objects(documents.neighbours).map(neighbour).filter(defined),
  };
}
