import { AllocatorError } from '@podsg/allocator';
import type { LeaseRecord, LeaseSpec } from '../models/LeaseRecord.js';
import type { LeaseClient } from '../ports/LeaseClient.js';

/**
 * Leases kept in memory with the API server's optimistic concurrency: every write bumps a
 * resourceVersion, a create of an existing lease and an update against a stale resourceVersion
 * fail with `AllocatorError` `Conflict`. Shared by every elector of one process (tests,
 * `--fake-cloud`). `failing` makes every call fail `Transient`, as an unreachable API server.
 */
export class InMemoryLeaseClient implements LeaseClient {
  readonly #leases = new Map<string, LeaseRecord>();
  #revision = 0;
  /** While true every call rejects with `Transient` (an API server that cannot be reached). */
  failing = false;

  getLease(namespace: string, name: string): Promise<LeaseRecord | null> {
    return this.#settle(() => this.#leases.get(`${namespace}/${name}`) ?? null);
  }

  createLease(namespace: string, name: string, spec: LeaseSpec): Promise<LeaseRecord> {
    return this.#settle(() => {
      const key = `${namespace}/${name}`;
      if (this.#leases.has(key)) {
        throw new AllocatorError('Conflict', `lease ${key} already exists`, { code: '409' });
      }
      return this.#store(key, spec);
    });
  }

  updateLease(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    resourceVersion: string,
  ): Promise<LeaseRecord> {
    return this.#settle(() => {
      const key = `${namespace}/${name}`;
      const current = this.#leases.get(key);
      if (current === undefined) throw new AllocatorError('NotFound', `lease ${key} not found`);
      if (current.resourceVersion !== resourceVersion) {
        throw new AllocatorError(
          'Conflict',
          `lease ${key} was modified (resourceVersion ${current.resourceVersion}, not ${resourceVersion})`,
          { code: '409' },
        );
      }
      return this.#store(key, spec);
    });
  }

  #store(key: string, spec: LeaseSpec): LeaseRecord {
    this.#revision += 1;
    const record: LeaseRecord = { ...spec, resourceVersion: String(this.#revision) };
    this.#leases.set(key, record);
    return record;
  }

  #settle<T>(action: () => T): Promise<T> {
    // Asynchronous like a network call, so callers never rely on synchronous completion.
    return new Promise<T>((resolve, reject) => {
      setImmediate(() => {
        if (this.failing) {
          reject(
            new AllocatorError('Transient', 'lease API unreachable (InMemoryLeaseClient.failing)'),
          );
          return;
        }
        try {
          resolve(action());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }
}
