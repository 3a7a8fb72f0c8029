import { AllocatorError, backoffDelay } from '@podsg/allocator';
import type { BackoffPolicy, Clock } from '@podsg/allocator';
import { objectIdentity } from '../calculations/extractClusterObjects.js';
import { relistChanges } from '../calculations/relistChanges.js';
import type { CachedObject, ObjectChange } from '../calculations/relistChanges.js';
import {
  kubernetesFailureOf,
  toAllocatorError,
  transportError,
} from '../calculations/toAllocatorError.js';
import { isJsonObject, objectAt, stringAt } from '../internal/jsonFields.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';

/** A resource a `ResourceWatch` follows. */
export interface WatchedResource<T> {
  /** Plural name for messages (`pods`, `cninodes`). */
  name: string;
  /** Collection path (`/api/v1/pods`). */
  path: string;
  namespaced: boolean;
  /** `fieldSelector` of list and watch (`spec.nodeName=node-a`). */
  fieldSelector?: string;
  /** A resource the cluster may not serve (a CRD not installed): 404 counts as no objects. */
  optional?: boolean;
  /** The facts kept of an object; throws `AllocatorError` `Invalid` for an unusable one. */
  extract(raw: unknown): T;
}

/** The objects of a resource at one resourceVersion. */
export interface ResourceSnapshot<T> {
  objects: Map<string, CachedObject<T>>;
  /** The list's resourceVersion; '' when the resource is not served. */
  resourceVersion: string;
}

/** How a `ResourceWatch` lists, retries and reports. */
export interface ResourceWatchOptions<T> {
  transport: KubernetesTransport;
  clock: Clock;
  /** Numbers in [0, 1) for backoff jitter and watch timeouts. */
  random: () => number;
  /** Backoff of restarts after errors (other than 410). */
  backoff: BackoffPolicy;
  /** Server-side watch timeout: each watch asks for between this and twice this. */
  watchTimeoutSeconds: number;
  /** Objects per list page. */
  pageSize: number;
  /** Receives every change, in order. */
  onChange: (change: ObjectChange<T>) => void;
  /** Receives every error the watch recovered from (it keeps going). */
  onError: (error: AllocatorError) => void;
}

/** Counters of a `ResourceWatch`. */
export interface ResourceWatchStats {
  /** Watch requests opened. */
  watches: number;
  /** Lists after a 410 Gone (or a resource that was not served). */
  relists: number;
  /** Errors recovered from (each also passed to `onError`). */
  errors: number;
  /** Changes delivered. */
  changes: number;
  /** The resourceVersion the next watch starts from. */
  resourceVersion: string;
}

class Expired extends Error {}

/**
 * Lists every page of `resource`. Objects that cannot be used are reported through `onInvalid`
 * and left out. A continue token that expires mid-list restarts the list (up to 3 times).
 */
export async function listResource<T>(
  transport: KubernetesTransport,
  resource: WatchedResource<T>,
  pageSize: number,
  onInvalid: (error: AllocatorError) => void,
): Promise<ResourceSnapshot<T>> {
  for (let attempt = 1; ; attempt++) {
    const objects = new Map<string, CachedObject<T>>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    try {
      do {
        const page = await transport.request({
          method: 'GET',
          path: resource.path,
          query: {
            limit: pageSize,
            continue: continueToken,
            fieldSelector: resource.fieldSelector,
          },
          operation: `list ${resource.name}`,
        });
        const metadata = objectAt(page, 'metadata');
        const items = isJsonObject(page) ? page['items'] : undefined;
        const version = stringAt(metadata, 'resourceVersion');
        if (!Array.isArray(items) || version === undefined) {
          throw transportError(
            `list ${resource.name}`,
            'MalformedResponse',
            'the reply has no items list or no metadata.resourceVersion',
          );
        }
        resourceVersion = version;
        for (const raw of items) {
          try {
            const identity = objectIdentity(resource.name, raw, resource.namespaced);
            objects.set(identity.key, {
              uid: identity.uid,
              resourceVersion: identity.resourceVersion,
              value: resource.extract(raw),
            });
          } catch (error) {
            if (!AllocatorError.is(error, 'Invalid')) throw error;
            onInvalid(error);
          }
        }
        continueToken = stringAt(metadata, 'continue') || undefined;
      } while (continueToken !== undefined);
      return { objects, resourceVersion };
    } catch (error) {
      const status = kubernetesFailureOf(error)?.httpStatus;
      if (status === 410 && continueToken !== undefined && attempt < 3) continue;
      if (status === 404 && resource.optional === true) return { objects, resourceVersion: '' };
      throw error;
    }
  }
}

/**
 * Follows one resource from a snapshot, forever, until `stop()`: watches from the snapshot's
 * resourceVersion with bookmarks; after a 410 Gone (as a reply or as an `ERROR` event) lists
 * again and delivers the differences (deletes for objects gone, upserts for objects changed);
 * after any other error or a stream that ends, watches again from the last resourceVersion
 * seen, after a jittered exponential backoff (at least `Retry-After` after a 429). Changes are
 * delivered in the order the server sent them, each once: an object the watch already holds
 * at the same resourceVersion is not delivered again.
 */
export class ResourceWatch<T> {
  readonly #resource: WatchedResource<T>;
  readonly #options: ResourceWatchOptions<T>;
  readonly #abort = new AbortController();
  #objects: Map<string, CachedObject<T>>;
  #resourceVersion: string;
  readonly #stats: Omit<ResourceWatchStats, 'resourceVersion'> = {
    watches: 0,
    relists: 0,
    errors: 0,
    changes: 0,
  };
  #running = false;
  /** Whether the current watch request delivered or advanced anything. */
  #progressed = false;

  constructor(
    resource: WatchedResource<T>,
    snapshot: ResourceSnapshot<T>,
    options: ResourceWatchOptions<T>,
  ) {
    this.#resource = resource;
    this.#options = options;
    this.#objects = snapshot.objects;
    this.#resourceVersion = snapshot.resourceVersion;
  }

  /** Starts following (once). */
  start(): void {
    if (this.#running || this.#abort.signal.aborted) return;
    this.#running = true;
    void this.#run();
  }

  /** Stops at once: closes the stream, cancels waits, delivers nothing more. */
  stop(): void {
    this.#abort.abort();
  }

  /** The objects held now, by key. */
  objects(): ReadonlyMap<string, CachedObject<T>> {
    return this.#objects;
  }

  /** The plural name of the resource followed (`pods`). */
  get resourceName(): string {
    return this.#resource.name;
  }

  /** Counters, for tests and metrics. */
  stats(): ResourceWatchStats {
    return { ...this.#stats, resourceVersion: this.#resourceVersion };
  }

  /** Whether `stop()` was called (a method, so checks after an await are not narrowed away). */
  #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Whether the current watch request delivered or advanced anything (read after awaits). */
  #hasProgressed(): boolean {
    return this.#progressed;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    let relist = this.#resourceVersion === '';
    while (!this.#stopped()) {
      this.#progressed = false;
      try {
        if (relist) {
          await this.#relist();
          relist = false;
        }
        if (this.#resourceVersion === '') {
          // Not served (a CRD not installed): look again later, without hammering the server.
          relist = true;
          failures++;
          await this.#options.clock.sleep(
            backoffDelay(failures, this.#options.backoff, this.#options.random),
            signal,
          );
          continue;
        }
        await this.#watchOnce();
        if (this.#stopped()) return;
        // A stream the server ended normally is renewed at once, unless it carried nothing
        // (a server or proxy that keeps dropping watches must not be hammered).
        if (this.#hasProgressed()) {
          failures = 0;
          continue;
        }
        failures++;
      } catch (error) {
        if (this.#stopped()) return;
        if (error instanceof Expired) {
          relist = true;
          continue;
        }
        const failure = toError(this.#resource.name, error);
        if (kubernetesFailureOf(failure)?.httpStatus === 410) {
          relist = true;
          continue;
        }
        if (kubernetesFailureOf(failure)?.httpStatus === 404 && this.#resource.optional === true) {
          relist = true;
        }
        this.#stats.errors++;
        this.#options.onError(failure);
        failures = this.#hasProgressed() ? 1 : failures + 1;
        const retryAfter = kubernetesFailureOf(failure)?.retryAfterMs ?? 0;
        const delay = Math.max(
          retryAfter,
          backoffDelay(failures, this.#options.backoff, this.#options.random),
        );
        try {
          await this.#options.clock.sleep(delay, signal);
        } catch {
          return;
        }
        continue;
      }
      try {
        await this.#options.clock.sleep(
          backoffDelay(failures, this.#options.backoff, this.#options.random),
          signal,
        );
      } catch {
        return;
      }
    }
  }

  async #relist(): Promise<void> {
    this.#stats.relists++;
    const fresh = await listResource(
      this.#options.transport,
      this.#resource,
      this.#options.pageSize,
      (error) => {
        this.#stats.errors++;
        this.#options.onError(error);
      },
    );
    if (this.#abort.signal.aborted) return;
    const changes = relistChanges(this.#objects, fresh.objects);
    this.#objects = fresh.objects;
    this.#resourceVersion = fresh.resourceVersion;
    for (const change of changes) this.#deliver(change);
  }

  /** One watch request, until the server ends it. */
  async #watchOnce(): Promise<void> {
    const timeoutSeconds = Math.round(
      this.#options.watchTimeoutSeconds * (1 + this.#options.random()),
    );
    this.#stats.watches++;
    const operation = `watch ${this.#resource.name}`;
    await this.#options.transport.stream(
      {
        method: 'GET',
        path: this.#resource.path,
        query: {
          watch: 'true',
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds,
          fieldSelector: this.#resource.fieldSelector,
        },
        operation,
      },
      (line) => {
        if (this.#abort.signal.aborted) return;
        this.#onLine(operation, line);
        this.#progressed = true;
      },
      this.#abort.signal,
      // The server ends the watch after timeoutSeconds; silence well past that means the
      // connection died without a FIN.
      (timeoutSeconds + 30) * 1000,
    );
  }

  #onLine(operation: string, line: string): void {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      throw malformed(operation, `a line is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const type = stringAt(event, 'type');
    const object = objectAt(event, 'object');
    if (type === undefined || object === undefined) {
      throw malformed(
        operation,
        `an event has no type or object: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    if (type === 'ERROR') {
      const code = object['code'];
      if (code === 410) throw new Expired();
      throw toAllocatorError(
        operation,
        typeof code === 'number' ? code : 500,
        JSON.stringify(object),
        undefined,
      );
    }
    const version = stringAt(objectAt(object, 'metadata'), 'resourceVersion');
    if (version === undefined || version === '') {
      throw malformed(operation, `a ${type} event has no metadata.resourceVersion`);
    }
    if (type === 'BOOKMARK') {
      this.#resourceVersion = version;
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
      throw malformed(operation, `unknown event type ${JSON.stringify(type.slice(0, 40))}`);
    }
    this.#resourceVersion = version;
    let identity;
    let value: T;
    try {
      identity = objectIdentity(this.#resource.name, object, this.#resource.namespaced);
      value = this.#resource.extract(object);
    } catch (error) {
      if (!AllocatorError.is(error, 'Invalid')) throw error;
      this.#stats.errors++;
      this.#options.onError(error);
      return;
    }
    const cached = this.#objects.get(identity.key);
    if (type === 'DELETED') {
      if (cached === undefined) return;
      this.#objects.delete(identity.key);
      if (cached.uid !== identity.uid) {
        // The name was reused and we never saw the newer object: delete what we hold.
        this.#deliver({ type: 'delete', value: cached.value });
        return;
      }
      this.#deliver({ type: 'delete', value });
      return;
    }
    if (cached?.uid === identity.uid && cached.resourceVersion === identity.resourceVersion) return;
    if (cached !== undefined && cached.uid !== identity.uid) {
      this.#deliver({ type: 'delete', value: cached.value });
    }
    this.#objects.set(identity.key, {
      uid: identity.uid,
      resourceVersion: identity.resourceVersion,
      value,
    });
    this.#deliver({ type: 'upsert', value });
  }

  #deliver(change: ObjectChange<T>): void {
    this.#stats.changes++;
    this.#options.onChange(change);
  }
}

function malformed(operation: string, message: string): AllocatorError {
  return transportError(operation, 'MalformedWatchEvent', message);
}

function toError(resource: string, error: unknown): AllocatorError {
  if (AllocatorError.is(error)) return error;
  return transportError(`watch ${resource}`, 'Unexpected', String(error), error);
}
