import type { Table } from './RoutePlan.js';

/** A network link as read from a namespace. */
export interface LinkState {
  name: string;
  /** Link kind from the kernel (`veth`, `vlan`, `dummy`, `macvlan` …); absent for plain devices. */
  kind?: string;
  mac: string;
  mtu: number;
  up: boolean;
  /** Parent link of a VLAN or macvlan device, when it is in the same namespace. */
  parent?: string;
  /** 802.1Q id of a VLAN device. */
  vlanId?: number;
  /** Interface alias (`ifalias`), when set. */
  alias?: string;
}

/** An address on a link, as `ip/prefix`. */
export interface AddressState {
  dev: string;
  cidr: string;
}

/** A route; `dst` is `default` or a CIDR with its prefix length (`10.0.0.1/32`). */
export interface RouteState {
  table: Table;
  dst: string;
  dev?: string;
  via?: string;
  scope?: 'link' | 'universe' | 'host';
}

/** A policy routing rule. */
export interface RuleState {
  priority: number;
  table: Table;
  from?: string;
  to?: string;
  iif?: string;
  fwmark?: string;
  /** Address family, when the reader knows it (`ip -4 rule` / `ip -6 rule`). */
  family?: 4 | 6;
}

/** A neighbour (ARP/NDP) entry. */
export interface NeighbourState {
  dev: string;
  ip: string;
  mac: string;
  permanent: boolean;
}

/**
 * What a namespace holds, normalised so plans can be compared with it (CHECK) and stale
 * attachments found (GC). Addresses and MACs are lowercase; CIDRs carry prefix lengths.
 */
export interface NetworkSnapshot {
  links: LinkState[];
  addresses: AddressState[];
  routes: RouteState[];
  rules: RuleState[];
  neighbours: NeighbourState[];
}
