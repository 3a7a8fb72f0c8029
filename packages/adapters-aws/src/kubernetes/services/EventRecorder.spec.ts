import type { ClusterEvent } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { toAllocatorError } from '../calculations/toAllocatorError.js';
import type { KubernetesRequest } from '../models/KubernetesRequest.js';
import type { KubernetesTransport } from '../models/KubernetesTransport.js';
import { EventRecorder } from './EventRecorder.js';

/** Records requests; answers each with the next scripted failure, or success. */
class RecordingTransport implements KubernetesTransport {
  readonly requests: KubernetesRequest[] = [];
  readonly failures: (Error | undefined)[] = [];
  request(request: KubernetesRequest): Promise<unknown> {
    this.requests.push(request);
    const failure = this.failures.shift();
    return failure === undefined ? Promise.resolve({}) : Promise.reject(failure);
  }
  stream(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }
}

const scheduled: ClusterEvent = {
  involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u-1' },
  type: 'Warning',
  reason: 'BranchAllocationFailed',
  message: 'no free VLAN',
};

describe('EventRecorder', () => {
  it('creates a core/v1 Event, then folds repeats into its count', async () => {
    const transport = new RecordingTransport();
    let now = Date.parse('2026-12-01T02:00:00Z');
    const recorder = new EventRecorder({ transport, now: () => now, instance: 'podsg-0' });
    await recorder.record(scheduled);
    now += 5000;
    await recorder.record(scheduled);
    const [create, patch] = transport.requests;
    expect(create).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces/shop/events',
      body: {
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: 'shop',
          name: 'web-1',
          uid: 'u-1',
        },
        type: 'Warning',
        reason: 'BranchAllocationFailed',
        message: 'no free VLAN',
        count: 1,
        firstTimestamp: '2026-12-01T02:00:00Z',
        source: { component: 'podsg-controller' },
        reportingInstance: 'podsg-0',
      },
    });
    const name = (create?.body as { metadata: { name: string } }).metadata.name;
    expect(name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: `/api/v1/namespaces/shop/events/${name}`,
      contentType: 'application/merge-patch+json',
      body: { count: 2, lastTimestamp: '2026-12-01T02:00:05Z' },
    });
    expect(recorder.stats()).toEqual({ created: 1, aggregated: 1, dropped: 0, failed: 0 });
  });

  it('creates a new event when the one to fold into has expired (404), and puts node events in default', async () => {
    const transport = new RecordingTransport();
    const recorder = new EventRecorder({ transport });
    const nodeEvent: ClusterEvent = {
      involvedObject: { kind: 'Node', name: 'node-a' },
      type: 'Normal',
      reason: 'TrunkReady',
      message: 'ok',
    };
    await recorder.record(nodeEvent);
    transport.failures.push(toAllocatorError('patch', 404, '', undefined));
    await recorder.record(nodeEvent);
    expect(
      transport.requests.map((r) => `${r.method} ${r.path.split('/events')[0] ?? ''}`),
    ).toEqual([
      'POST /api/v1/namespaces/default',
      'PATCH /api/v1/namespaces/default',
      'POST /api/v1/namespaces/default',
    ]);
    expect(recorder.stats()).toMatchObject({ created: 2, aggregated: 0 });
  });

  it('drops events while throttled (Retry-After) and when the queue is full, counting them', async () => {
    const transport = new RecordingTransport();
    let now = 1_000_000;
    const recorder = new EventRecorder({ transport, now: () => now, maxQueue: 2 });
    transport.failures.push(toAllocatorError('create', 429, '', '2'));
    await recorder.record(scheduled);
    await recorder.record({ ...scheduled, message: 'other' }); // within the 2 s pause
    now += 2001;
    await recorder.record({ ...scheduled, message: 'later' });
    expect(transport.requests).toHaveLength(2);
    const burst = Array.from({ length: 5 }, (_, i) =>
      recorder.record({ ...scheduled, message: `m${i}` }),
    );
    await Promise.all(burst);
    expect(recorder.stats()).toEqual({ created: 4, aggregated: 0, dropped: 4, failed: 0 });
  });

  it('refuses an event without object name or with an unknown type; counts other failures', async () => {
    const transport = new RecordingTransport();
    const recorder = new EventRecorder({ transport });
    await expect(
      recorder.record({ ...scheduled, involvedObject: { kind: 'Pod', name: '' } }),
    ).rejects.toThrow('recordEvent: involvedObject.name is missing');
    await expect(recorder.record({ ...scheduled, type: 'Error' as 'Normal' })).rejects.toThrow(
      "recordEvent: type 'Error' is not Normal or Warning",
    );
    transport.failures.push(toAllocatorError('create', 500, '', undefined));
    await recorder.record(scheduled);
    expect(recorder.stats().failed).toBe(1);
  });
});
