import { PolicyIndex, PolicyValidationError, parseSecurityGroupPolicy } from '@podsg/policy';
import type { ClusterApi, ClusterChange } from '@podsg/allocator';
import type { DaemonLog } from '../../daemon/ports/DaemonLog.js';

/**
 * What the webhooks read on every review, kept current from the cluster's list and watch: the
 * SecurityGroupPolicies (in a `PolicyIndex`) and the service accounts' labels. Invalid policies
 * are left out and logged, as the controller leaves them out. Every replica keeps one, leader or
 * not, so every replica can answer admission reviews.
 */
export class PolicyCache {
  /** The index `reviewPodMutation` resolves against. */
  readonly policies = new PolicyIndex();
  readonly #serviceAccounts = new Map<string, Readonly<Record<string, string>>>();
  readonly #cluster: Pick<ClusterApi, 'list' | 'watch'>;
  readonly #log: DaemonLog;
  #stopWatch: (() => void) | null = null;

  constructor(cluster: Pick<ClusterApi, 'list' | 'watch'>, log: DaemonLog) {
    this.#cluster = cluster;
    this.#log = log;
  }

  /** True once the first list is in (readiness). */
  get synced(): boolean {
    return this.#stopWatch !== null;
  }

  /** Lists, then follows the watch. Throws what `ClusterApi.list` throws. */
  async start(): Promise<void> {
    if (this.#stopWatch !== null) return;
    const snapshot = await this.#cluster.list();
    for (const policy of snapshot.securityGroupPolicies) this.#upsertPolicy(policy);
    for (const account of snapshot.serviceAccounts) {
      this.#serviceAccounts.set(`${account.namespace}/${account.name}`, account.labels);
    }
    this.#stopWatch = this.#cluster.watch((change) => {
      this.#apply(change);
    });
    this.#log.info(
      { policies: this.policies.size, serviceAccounts: this.#serviceAccounts.size },
      'webhook policy cache synced',
    );
  }

  /** Stops following the cluster. */
  stop(): void {
    this.#stopWatch?.();
  }

  /** A service account's labels, or null when it does not exist (as `reviewPodMutation` asks). */
  serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null> {
    return Promise.resolve(this.#serviceAccounts.get(`${namespace}/${name}`) ?? null);
  }

  #apply(change: ClusterChange): void {
    if (change.kind === 'ServiceAccount') {
      const key = `${change.serviceAccount.namespace}/${change.serviceAccount.name}`;
      if (change.type === 'delete') this.#serviceAccounts.delete(key);
      else this.#serviceAccounts.set(key, change.serviceAccount.labels);
      return;
    }
    if (change.kind !== 'SecurityGroupPolicy') return;
    if (change.type === 'delete') {
      this.policies.remove(change.namespace, change.name);
      return;
    }
    this.#upsertPolicy(change.policy, `${change.namespace}/${change.name}`);
  }

  #upsertPolicy(raw: unknown, key?: string): void {
    try {
      this.policies.upsert(parseSecurityGroupPolicy(raw));
    } catch (error) {
      if (!PolicyValidationError.is(error)) throw error;
      this.#log.warn({ policy: key, err: error.message }, 'invalid SecurityGroupPolicy left out');
      // An update that became invalid must not keep selecting pods with its old groups.
      const [namespace, name] = key?.split('/') ?? [];
      if (namespace !== undefined && name !== undefined) this.policies.remove(namespace, name);
    }
  }
}
