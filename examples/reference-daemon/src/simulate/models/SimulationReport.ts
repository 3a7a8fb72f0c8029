/** A pod of the simulation, as `podsgd simulate --json` reports it; times are simulated seconds. */
export interface SimulatedPodReport {
  namespace: string;
  name: string;
  uid: string;
  /** The node it was bound to; null while pending. */
  node: string | null;
  /** The groups of its branch interface, or the groups its policies resolve to when it has none. */
  groupIds: string[];
  /** Its branch interface (element 0 of its annotation); null for pods that got none. */
  branch: { eniId: string; vlanId: number; privateIp: string; ifAddress: string } | null;
  createdAt: number;
  scheduledAt: number | null;
  annotatedAt: number | null;
  /** When it was deleted; null for pods alive at the end. */
  removedAt: number | null;
}

/** A network interface at the end of the simulation. */
export interface SimulatedInterfaceReport {
  id: string;
  kind: 'trunk' | 'branch' | 'primary';
  status: string;
  groupIds: string[];
  subnetId: string;
  /** VLAN id of a branch's trunk association; 0 when it has none. */
  vlanId: number;
  /** Trunk of a branch's association, or the instance a trunk or primary interface is attached to. */
  trunkId: string;
  tags: Record<string, string>;
}

/** A Kubernetes event recorded during the simulation. */
export interface SimulatedEventReport {
  at: number;
  /** `Kind/namespace/name` or `Kind/name`. */
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Percentiles of seconds from pod creation to its branch annotation. */
export interface ReadySeconds {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The JSON report of `podsgd simulate` (docs/architecture.md, "Scenario files"). */
/** The faults injected into one EC2 API during a run (`ec2.faults` of the scenario). */
export interface SimulatedFaultReport {
  api: string;
  count: number;
  /** Faults injected after the change took effect: the change happened, its response was lost. */
  responsesLost: number;
  /** Simulated seconds of the first and the last fault. */
  firstAt: number;
  lastAt: number;
}

export interface SimulationReport {
  scenario: { cluster: string; strategy: 'podsg' | 'baseline'; seed: number; until: number };
  pods: SimulatedPodReport[];
  networkInterfaces: SimulatedInterfaceReport[];
  /** Requests EC2 received, per API, whatever their outcome. */
  ec2Calls: Record<string, number>;
  /** Requests EC2 refused with RequestLimitExceeded. */
  ec2Throttled: number;
  /** Requests to mutating APIs (all but Describe*), whatever their outcome. */
  ec2MutatingCalls: number;
  /** Faults injected into EC2 calls, per API; empty without `ec2.faults`. */
  ec2Faults: SimulatedFaultReport[];
  /** Simulated seconds at which the controller was restarted (`restartController` steps). */
  controllerRestarts: number[];
  /** Over pods that needed and got a branch interface. */
  podReadySeconds: ReadySeconds;
  /** Pods alive and scheduled at the end that need a branch interface and have none. */
  podsWaitingForBranch: number;
  /** Pods alive at the end that no node could take (for branch pods: no trunk capacity left). */
  podsPending: number;
  /** Branch interfaces at the end owned by no live pod, neither cooling down nor held for reuse. */
  leakedInterfaces: number;
  /**
   * Only when the scenario's node agents confirm releases (`nodeAgent.confirmRelease`): the
   * cooldowns a confirmation ended, and those that ran their whole length, over every
   * controller of the run.
   */
  confirmedRelease?: { releasesConfirmed: number; cooldownsExpired: number };
  /** Invariant violations seen during or after the run; empty when all held. */
  violations: string[];
  /** Timeline steps that had nothing to act on (deleting an object that does not exist). */
  scenarioWarnings: string[];
  events: SimulatedEventReport[];
}
