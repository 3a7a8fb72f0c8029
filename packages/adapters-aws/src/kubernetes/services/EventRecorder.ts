import { AllocatorError } from '@podsg/allocator';
import type { ClusterEvent } from '@podsg/allocator';
import { kubernetesFailureOf } from '../calculations/toAllocatorError.js';
import { isJsonObject } from '../internal/jsonFields.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';

/** Options of `EventRecorder`. */
export interface EventRecorderOptions {
  transport: KubernetesTransport;
  /** `source.component` and `reportingComponent`; default `podsg-controller`. */
  component?: string;
  /** `reportingInstance` (the pod or host name); default none. */
  instance?: string;
  /** Events waiting to be written at most; more are dropped. Default 1,000. */
  maxQueue?: number;
  /** Repeats within this time update the first event's count; default 10 minutes. */
  aggregationWindowMs?: number;
  /** Pause after a 429 without `Retry-After`; default 1 s. */
  throttlePauseMs?: number;
  /** The wall clock for event timestamps; default `Date.now`. */
  now?: () => number;
}

/** Counters of an `EventRecorder`. */
export interface EventRecorderStats {
  /** Events created. */
  created: number;
  /** Repeats folded into an earlier event (its `count` raised). */
  aggregated: number;
  /** Events dropped: queue full, or the API server throttling. */
  dropped: number;
  /** Events that failed for another reason (also dropped). */
  failed: number;
}

interface Pending {
  event: ClusterEvent;
  done: () => void;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
  lastSeen: number;
}

const API_VERSIONS: Readonly<Record<string, string>> = {
  Pod: 'v1',
  Node: 'v1',
  ServiceAccount: 'v1',
  SecurityGroupPolicy: 'vpcresources.k8s.aws/v1beta1',
};
const MAX_SEEN = 4096;
const MAX_MESSAGE = 1024;

/**
 * Writes core/v1 Events the way client-go's recorder does, without ever holding up its
 * caller's work: events queue (bounded; overflow is dropped and counted) and one writer sends
 * them in order. A repeat of the same object, type, reason and message within the aggregation
 * window patches the first event's `count` and `lastTimestamp` instead of creating another
 * (a 404, once the API server expired it, creates a new one). A 429 drops the event and every
 * event that arrives during the `Retry-After` pause, counted.
 */
export class EventRecorder {
  readonly #transport: KubernetesTransport;
  readonly #component: string;
  readonly #instance: string | undefined;
  readonly #maxQueue: number;
  readonly #windowMs: number;
  readonly #throttlePauseMs: number;
  readonly #now: () => number;
  readonly #queue: Pending[] = [];
  readonly #seen = new Map<string, Seen>();
  #writing = false;
  #pausedUntil = 0;
  #closed = false;
  readonly #stats: EventRecorderStats = { created: 0, aggregated: 0, dropped: 0, failed: 0 };

  constructor(options: EventRecorderOptions) {
    this.#transport = options.transport;
    this.#component = options.component ?? 'podsg-controller';
    this.#instance = options.instance;
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#windowMs = options.aggregationWindowMs ?? 600_000;
    this.#throttlePauseMs = options.throttlePauseMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Queues `event`; resolves once it is written, folded or dropped (never rejects for the API
   * server's sake). Rejects with `AllocatorError` `Invalid` for an event without an object name
   * or with a type other than Normal or Warning.
   */
  record(event: ClusterEvent): Promise<void> {
    const involved: unknown = event.involvedObject;
    if (
      !isJsonObject(involved) ||
      typeof involved['name'] !== 'string' ||
      involved['name'] === ''
    ) {
      return Promise.reject(
        new AllocatorError('Invalid', 'recordEvent: involvedObject.name is missing'),
      );
    }
    const type: unknown = event.type;
    if (type !== 'Normal' && type !== 'Warning') {
      return Promise.reject(
        new AllocatorError(
          'Invalid',
          `recordEvent: type '${String(type)}' is not Normal or Warning`,
        ),
      );
    }
    if (this.#closed || this.#queue.length >= this.#maxQueue || this.#now() < this.#pausedUntil) {
      this.#stats.dropped++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push({ event, done: resolve });
      if (!this.#writing) void this.#drain();
    });
  }

  /** Counters. */
  stats(): EventRecorderStats {
    return { ...this.#stats };
  }

  /** Drops what is queued (counted) and accepts nothing more. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) {
      this.#stats.dropped++;
      pending.done();
    }
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        if (this.#now() < this.#pausedUntil) {
          this.#stats.dropped++;
        } else {
          await this.#write(next.event);
        }
        next.done();
      }
    } finally {
      this.#writing = false;
    }
  }

  async #write(event: ClusterEvent): Promise<void> {
    const ref = event.involvedObject;
    const key = [
      ref.kind,
      ref.namespace ?? '',
      ref.name,
      ref.uid ?? '',
      event.type,
      event.reason,
      event.message,
    ].join('\u0000');
    const now = this.#now();
    const timestamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const seen = this.#seen.get(key);
    try {
      if (seen !== undefined && now - seen.lastSeen <= this.#windowMs) {
        try {
          await this.#transport.request({
            method: 'PATCH',
            path: `/api/v1/namespaces/${seen.namespace}/events/${seen.name}`,
            body: { count: seen.count + 1, lastTimestamp: timestamp },
            contentType: 'application/merge-patch+json',
            operation: `patch events ${seen.namespace}/${seen.name}`,
          });
          seen.count++;
          seen.lastSeen = now;
          this.#remember(key, seen);
          this.#stats.aggregated++;
          return;
        } catch (error) {
          if (kubernetesFailureOf(error)?.httpStatus !== 404) throw error;
        }
      }
      const namespace = ref.namespace ?? 'default';
      // client-go's naming: the object's name and the time in nanoseconds, in hex.
      const name = `${ref.name}.${(BigInt(Math.round(now)) * 1_000_000n + BigInt(this.#stats.created % 1_000_000)).toString(16)}`;
      await this.#transport.request({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: API_VERSIONS[ref.kind] ?? 'v1',
            kind: ref.kind,
            name: ref.name,
            ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
            ...(ref.uid === undefined ? {} : { uid: ref.uid }),
          },
          type: event.type,
          reason: event.reason,
          message: event.message.slice(0, MAX_MESSAGE),
          count: 1,
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          source: { component: this.#component },
          reportingComponent: this.#component,
          ...(this.#instance === undefined ? {} : { reportingInstance: this.#instance }),
        },
        operation: `create events ${namespace}/${name}`,
      });
      this.#stats.created++;
      this.#remember(key, { namespace, name, count: 1, lastSeen: now });
    } catch (error) {
      const failure = kubernetesFailureOf(error);
      if (failure?.httpStatus === 429) {
        this.#pausedUntil = this.#now() + (failure.retryAfterMs ?? this.#throttlePauseMs);
        this.#stats.dropped++;
      } else {
        this.#stats.failed++;
      }
    }
  }

  #remember(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    if (this.#seen.size > MAX_SEEN) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
  }
}
