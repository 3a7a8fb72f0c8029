/** A network namespace a plan step runs in: the node's own, or the pod's (`CNI_NETNS`). */
export type Ns = 'host' | 'pod';

/** A routing table: a numbered one (`100 + vlanId` for branches), or the kernel's named ones. */
export type Table = number | 'main' | 'local';

/**
 * One operation of a route plan. The shape is a compatibility contract (docs/architecture.md, "Pod networking"):
 * appliers render it to iproute2, a netlink library or a fake kernel.
 *
 * `dst` is `default` or a CIDR (`10.0.0.1/32`); a route with `table` absent is in `main`.
 */
export type PlanStep =
  | {
      op: 'link.add.veth';
      ns: 'pod';
      name: string;
      peerName: string;
      peerNs: 'host';
      mtu: number;
      peerMac: string;
    }
  | {
      op: 'link.add.vlan';
      ns: 'host';
      name: string;
      parent: string;
      vlanId: number;
      mac: string;
      /**
       * Optional interface alias (`ip link set … alias`), `podsg:<containerId>:<ifName>`, so GC can
       * tell which attachment a VLAN device belongs to. Appliers that cannot set it may skip it.
       */
      alias?: string;
    }
  | { op: 'link.set'; ns: Ns; name: string; up?: boolean; mtu?: number; mac?: string }
  | { op: 'link.del'; ns: Ns; name: string }
  | { op: 'addr.add'; ns: Ns; dev: string; cidr: string }
  | {
      op: 'route.replace' | 'route.del';
      ns: Ns;
      dst: string;
      dev?: string;
      via?: string;
      table?: Table;
      scope?: 'link' | 'universe';
    }
  | {
      op: 'rule.add' | 'rule.del';
      ns: Ns;
      priority: number;
      table: Table;
      from?: string;
      to?: string;
      iif?: string;
      fwmark?: string;
      /**
       * Address family of the rule. Absent: taken from `from`/`to`, else IPv4. Needed for rules
       * that name no address (`iif …`, `fwmark …`, `lookup local`), which exist per family.
       */
      family?: 4 | 6;
    }
  | { op: 'neigh.replace'; ns: Ns; dev: string; ip: string; mac: string }
  | { op: 'sysctl.set'; ns: Ns; key: string; value: string };

/** An ordered list of steps; applying it in order wires (or unwires) one pod. */
export interface RoutePlan {
  steps: PlanStep[];
}
