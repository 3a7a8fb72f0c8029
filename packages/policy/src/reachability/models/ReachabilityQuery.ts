import type { SecurityGroup } from './SecurityGroup.js';

/** What the evaluator knows about the network: interfaces, and the rules of their groups. */
export interface ReachabilityModel {
  readonly interfaces: readonly ModelledInterface[];
  /** The groups whose rules are known. A group an interface carries but missing here has unknown rules (none). */
  readonly securityGroups: readonly SecurityGroup[];
}

/** A network interface (a branch ENI, a database's interface) and the groups it carries. */
export interface ModelledInterface {
  /** Unique within the model (`eni-…`, or any name). */
  readonly id: string;
  /**
   * Its private addresses, primary first; may be empty when unknown. A group-referencing rule
   * matches the interface's primary address of each family (the first listed), as EC2 matches
   * it; traffic from a secondary address is subject to the interface's own groups but is not
   * matched by rules that reference them.
   */
  readonly addresses: readonly string[];
  readonly groupIds: readonly string[];
}

/** A flow that wants to start: protocol, both ends and the destination port or ICMP type. */
export interface Flow {
  readonly protocol: FlowProtocol;
  readonly source: FlowEndpoint;
  readonly destination: FlowEndpoint;
  /** The destination port (tcp, udp); required for them, ignored otherwise. */
  readonly port?: number;
  /** ICMP type and code (icmp, icmpv6); default 8/0 (echo request) and 128/0 for ICMPv6. */
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

/** The protocols a flow can have. */
export type FlowProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6';

/**
 * One end of a flow: a modelled interface by id, or an address. An address that belongs to a
 * modelled interface is that interface; any other address is outside the model, and only the
 * other end's rules apply. `address: null` is an end outside the model whose address is unknown.
 */
export type FlowEndpoint = { readonly interfaceId: string } | { readonly address: string | null };
