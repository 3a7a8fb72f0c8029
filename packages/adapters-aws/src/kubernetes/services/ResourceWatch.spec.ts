import { AllocatorError } from '@podsg/allocator';
import type { Clock } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { toAllocatorError } from '../calculations/toAllocatorError.js';
import type { ObjectChange } from '../calculations/relistChanges.js';
import type { KubernetesRequest } from '../models/KubernetesRequest.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';
import { listResource, ResourceWatch } from './ResourceWatch.js';
import type { WatchedResource } from './ResourceWatch.js';

interface Thing {
  name: string;
  version: string;
}

const things: WatchedResource<Thing> = {
  name: 'things',
  path: '/api/v1/things',
  namespaced: false,
  extract: (raw) => {
    const metadata = (raw as { metadata: { name: string; resourceVersion: string } }).metadata;
    return { name: metadata.name, version: metadata.resourceVersion };
  },
};

const object = (name: string, rv: string, uid = `uid-${name}`): object => ({
  metadata: { name, uid, resourceVersion: rv },
});
const event = (type: string, obj: object): string => JSON.stringify({ type, object: obj });

/** One scripted reply to a watch request. */
type WatchScript = { lines: string[] } | { error: AllocatorError };

/**
 * A transport that answers lists from `lists` (one per call, in order) and watches from
 * `watches`; when the scripts run out, a watch waits until aborted.
 */
class ScriptedTransport implements KubernetesTransport {
  readonly requests: KubernetesRequest[] = [];
  constructor(
    readonly lists: unknown[],
    readonly watches: WatchScript[],
  ) {}

  request(request: KubernetesRequest): Promise<unknown> {
    this.requests.push(request);
    const next = this.lists.shift();
    if (next instanceof AllocatorError) return Promise.reject(next);
    return Promise.resolve(next ?? { metadata: { resourceVersion: '0' }, items: [] });
  }

  async stream(
    request: KubernetesRequest,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.requests.push(request);
    await Promise.resolve();
    const script = this.watches.shift();
    if (script === undefined) {
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve();
        });
      });
      return;
    }
    if ('error' in script) throw script.error;
    for (const line of script.lines) onLine(line);
  }

  watchVersions(): (string | undefined)[] {
    return this.requests
      .filter((r) => r.query?.['watch'] !== undefined)
      .map((r) => r.query?.['resourceVersion'] as string | undefined);
  }
}

/** A clock whose sleeps end at once (on the next macrotask), recording their lengths. */
class InstantClock implements Clock {
  readonly sleeps: number[] = [];
  now(): number {
    return 0;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (signal?.aborted === true) reject(new AllocatorError('Aborted', 'aborted'));
        else resolve();
      });
    });
  }
}

async function follow(
  transport: ScriptedTransport,
  initial: [string, string][],
  until: (changes: ObjectChange<Thing>[]) => boolean,
): Promise<{
  changes: ObjectChange<Thing>[];
  errors: AllocatorError[];
  clock: InstantClock;
  watch: ResourceWatch<Thing>;
}> {
  const changes: ObjectChange<Thing>[] = [];
  const errors: AllocatorError[] = [];
  const clock = new InstantClock();
  const objects = new Map(
    initial.map(([name, rv]) => [
      name,
      { uid: `uid-${name}`, resourceVersion: rv, value: { name, version: rv } },
    ]),
  );
  const watch = new ResourceWatch(
    things,
    { objects, resourceVersion: '10' },
    {
      transport,
      clock,
      random: () => 0.5,
      backoff: { baseMs: 100, maxMs: 1000 },
      watchTimeoutSeconds: 60,
      pageSize: 2,
      onChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
    },
  );
  watch.start();
  for (let i = 0; i < 200 && !until(changes); i++) await new Promise((r) => setImmediate(r));
  watch.stop();
  return { changes, errors, clock, watch };
}

const summary = (changes: ObjectChange<Thing>[]): string[] =>
  changes.map((c) => `${c.type} ${c.value.name}@${c.value.version}`);

describe('ResourceWatch', () => {
  it('watches from the list resourceVersion with bookmarks and delivers each change once, in order', async () => {
    const transport = new ScriptedTransport(
      [],
      [
        {
          lines: [
            event('ADDED', object('b', '11')),
            event('MODIFIED', object('a', '12')),
            event('MODIFIED', object('a', '12')), // a replay after a restart: not delivered twice
            event('BOOKMARK', { metadata: { resourceVersion: '15' } }),
          ],
        },
        { lines: [event('DELETED', object('b', '16'))] },
      ],
    );
    const { changes, watch } = await follow(transport, [['a', '5']], (c) => c.length >= 3);
    expect(summary(changes)).toEqual(['upsert b@11', 'upsert a@12', 'delete b@16']);
    expect(transport.watchVersions()).toEqual(['10', '15', '16']);
    const first = transport.requests[0];
    expect(first?.query).toMatchObject({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: '10',
    });
    expect(watch.stats()).toMatchObject({
      watches: 3,
      relists: 0,
      changes: 3,
      resourceVersion: '16',
    });
  });

  it('relists after 410 Gone and delivers only the differences', async () => {
    const transport = new ScriptedTransport(
      [
        {
          metadata: { resourceVersion: '30', continue: 'page2' },
          items: [object('a', '5'), object('c', '21')],
        },
        { metadata: { resourceVersion: '30' }, items: [object('d', '25', 'uid-d2')] },
      ],
      [
        { lines: [event('ADDED', object('b', '11'))] },
        {
          lines: [
            event('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }),
          ],
        },
      ],
    );
    const { changes } = await follow(
      transport,
      [
        ['a', '5'],
        ['d', '6'],
      ],
      (c) => c.length >= 5,
    );
    expect(summary(changes)).toEqual([
      'upsert b@11',
      'delete d@6', // its name now belongs to another object
      'delete b@11', // gone during the gap
      'upsert c@21',
      'upsert d@25',
    ]);
    expect(transport.watchVersions().slice(0, 3)).toEqual(['10', '11', '30']);
    const lists = transport.requests.filter((r) => r.query?.['watch'] === undefined);
    expect(lists.map((r) => r.query?.['continue'])).toEqual([undefined, 'page2']);
  });

  it('names garbage on the stream, and resumes from the last resourceVersion it saw', async () => {
    const transport = new ScriptedTransport(
      [],
      [
        {
          lines: [
            event('ADDED', object('b', '11')),
            '{"type":"ADDED","object":{"meta',
            event('ADDED', object('c', '12')),
          ],
        },
        { lines: ['{"type":"SURPRISE","object":{"metadata":{"resourceVersion":"13"}}}'] },
        { lines: [event('ADDED', object('c', '12'))] },
      ],
    );
    const { changes, errors } = await follow(transport, [], (c) => c.length >= 2);
    expect(summary(changes)).toEqual(['upsert b@11', 'upsert c@12']);
    expect(errors.map((e) => e.code)).toEqual(['MalformedWatchEvent', 'MalformedWatchEvent']);
    expect(errors[0]?.message).toMatch(/^watch things: MalformedWatchEvent: a line is not JSON/);
    expect(errors[1]?.message).toMatch(/unknown event type "SURPRISE"/);
    expect(transport.watchVersions().slice(0, 3)).toEqual(['10', '11', '11']);
  });

  it('backs off after 5xx and waits at least Retry-After after 429', async () => {
    const transport = new ScriptedTransport(
      [],
      [
        { error: toAllocatorError('watch things', 503, '', undefined) },
        { error: toAllocatorError('watch things', 503, '', undefined) },
        { error: toAllocatorError('watch things', 429, '', '7') },
        { lines: [event('ADDED', object('b', '11'))] },
      ],
    );
    const { changes, errors, clock } = await follow(transport, [], (c) => c.length >= 1);
    expect(summary(changes)).toEqual(['upsert b@11']);
    expect(errors.map((e) => e.kind)).toEqual(['Transient', 'Transient', 'Throttled']);
    // Equal jitter at 0.5: 75 ms, 150 ms, then max(Retry-After 7 s, 300 ms).
    expect(clock.sleeps.slice(0, 3)).toEqual([75, 150, 7000]);
  });

  it('backs off when the server keeps ending watches without sending anything', async () => {
    const transport = new ScriptedTransport(
      [],
      [{ lines: [] }, { lines: [] }, { lines: [event('ADDED', object('b', '11'))] }],
    );
    const { changes, clock } = await follow(transport, [], (c) => c.length >= 1);
    expect(summary(changes)).toEqual(['upsert b@11']);
    expect(clock.sleeps.slice(0, 2)).toEqual([75, 150]);
  });

  it('waits with backoff for a resource the cluster does not serve yet (CRD not installed)', async () => {
    const notServed = toAllocatorError('list things', 404, '', undefined);
    const transport = new ScriptedTransport(
      [notServed, notServed, { metadata: { resourceVersion: '40' }, items: [object('a', '39')] }],
      [],
    );
    const changes: ObjectChange<Thing>[] = [];
    const clock = new InstantClock();
    const watch = new ResourceWatch(
      { ...things, optional: true },
      { objects: new Map(), resourceVersion: '' },
      {
        transport,
        clock,
        random: () => 0.5,
        backoff: { baseMs: 100, maxMs: 1000 },
        watchTimeoutSeconds: 60,
        pageSize: 2,
        onChange: (change) => changes.push(change),
        onError: () => undefined,
      },
    );
    watch.start();
    for (let i = 0; i < 50 && transport.watchVersions().length === 0; i++) {
      await new Promise((r) => setImmediate(r));
    }
    watch.stop();
    expect(clock.sleeps).toEqual([75, 150]);
    expect(summary(changes)).toEqual(['upsert a@39']);
    expect(transport.watchVersions()).toEqual(['40']);
  });

  it('reports objects it cannot use and leaves them out', async () => {
    const transport = new ScriptedTransport(
      [
        {
          metadata: { resourceVersion: '3' },
          items: [object('a', '1'), { metadata: { name: 'x' } }],
        },
      ],
      [],
    );
    const invalid: AllocatorError[] = [];
    const snapshot = await listResource(transport, things, 500, (e) => invalid.push(e));
    expect([...snapshot.objects.keys()]).toEqual(['a']);
    expect(snapshot.resourceVersion).toBe('3');
    expect(invalid.map((e) => e.message)).toEqual(['things: x has no valid metadata.uid']);
  });
});
