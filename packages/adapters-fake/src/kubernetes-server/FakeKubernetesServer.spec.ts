import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../services/FakeCluster.js';
import { FakeKubernetesServer } from './FakeKubernetesServer.js';
import type { FakeKubernetesServerOptions } from './models/FakeKubernetesServerOptions.js';

const wallClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

let cluster: FakeCluster;
let server: FakeKubernetesServer;
let token: string;

async function start(options: Partial<FakeKubernetesServerOptions> = {}): Promise<void> {
  cluster = new FakeCluster({ clock: wallClock, admission: false, podTerminationMs: 50 });
  cluster.addNode({ name: 'node-a', instanceType: 'c5.4xlarge' });
  server = await FakeKubernetesServer.start({ cluster, tls: false, ...options });
  token = server.addUser('alice', { groups: ['developers'] });
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

function pod(name: string, labels: Record<string, string> = {}, namespace = 'default'): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  };
}

/** Reads watch events until `count` arrived (or the stream ends). */
async function watchEvents(
  path: string,
  count: number,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const events: { type: string; object: Record<string, unknown> }[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      events.push(
        JSON.parse(buffered.slice(0, newline)) as { type: string; object: Record<string, unknown> },
      );
      buffered = buffered.slice(newline + 1);
    }
  }
  controller.abort();
  return events;
}

function nameOf(object: unknown): string {
  return (object as { metadata: { name?: string } }).metadata.name ?? '';
}

describe('FakeKubernetesServer', () => {
  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers discovery: version, core and group resource lists', async () => {
    expect((await call('GET', '/version')).body['gitVersion']).toMatch(/^v1\.32\./);
    expect((await call('GET', '/api')).body['versions']).toEqual(['v1']);
    const core = await call('GET', '/api/v1');
    const names = (core.body['resources'] as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'pods',
        'pods/status',
        'nodes',
        'nodes/status',
        'serviceaccounts',
        'namespaces',
        'events',
      ]),
    );
    const groups = (await call('GET', '/apis')).body['groups'] as { name: string }[];
    expect(groups.map((g) => g.name)).toEqual(
      expect.arrayContaining([
        'coordination.k8s.io',
        'apiextensions.k8s.io',
        'admissionregistration.k8s.io',
        'events.k8s.io',
      ]),
    );
    expect((await call('GET', '/apis/vpcresources.k8s.aws/v1beta1')).status).toBe(404);
  });

  it('refuses a request without a known bearer token with 401 and a Status', async () => {
    token = 'not-a-token';
    const answer = await call('GET', '/api/v1/pods');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('creates, reads, lists and deletes pods; the model holds them', async () => {
    const created = await call(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('web-1', { app: 'web' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
    });
    expect(cluster.podManifest('default', 'web-1')).not.toBeNull();
    const read = await call('GET', '/api/v1/namespaces/default/pods/web-1');
    expect((read.body['metadata'] as { uid: string }).uid).toBe(
      (created.body['metadata'] as { uid: string }).uid,
    );
    const list = await call('GET', '/api/v1/pods');
    expect(list.body['kind']).toBe('PodList');
    expect((list.body['items'] as unknown[]).map(nameOf)).toEqual(['web-1']);
    const deleted = await call('DELETE', '/api/v1/namespaces/default/pods/web-1', {
      gracePeriodSeconds: 0,
    });
    expect(deleted.status).toBe(200);
    expect(cluster.podManifest('default', 'web-1')).toBeNull();
    const gone = await call('GET', '/api/v1/namespaces/default/pods/web-1');
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      reason: 'NotFound',
      details: { name: 'web-1', kind: 'pods' },
    });
  });

  it('answers 409 AlreadyExists for a taken name and 409 Conflict for a stale resourceVersion', async () => {
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const again = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    expect(again.status).toBe(409);
    expect(again.body['reason']).toBe('AlreadyExists');
    const current = (await call('GET', '/api/v1/namespaces/default/pods/web-1')).body;
    const stale = structuredClone(current) as {
      metadata: { resourceVersion: string; labels?: Record<string, string> };
    };
    stale.metadata.resourceVersion = '1';
    stale.metadata.labels = { app: 'changed' };
    const conflict = await call('PUT', '/api/v1/namespaces/default/pods/web-1', stale);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
  });

  it('filters lists by label and field selectors and pages with limit and continue', async () => {
    for (const [name, app] of [
      ['a', 'web'],
      ['b', 'db'],
      ['c', 'web'],
      ['d', 'web'],
    ] as const) {
      await call('POST', '/api/v1/namespaces/default/pods', pod(name, { app }));
    }
    const web = await call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    expect((web.body['items'] as unknown[]).map(nameOf)).toEqual(['a', 'c', 'd']);
    const notWeb = await call(
      'GET',
      `/api/v1/pods?labelSelector=${encodeURIComponent('app notin (web)')}`,
    );
    expect((notWeb.body['items'] as unknown[]).map(nameOf)).toEqual(['b']);
    const byName = await call('GET', '/api/v1/pods?fieldSelector=metadata.name%3Dc');
    expect((byName.body['items'] as unknown[]).map(nameOf)).toEqual(['c']);
    await new Promise((resolve) => setTimeout(resolve, 10)); // the scheduler binds them
    const onNode = await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a');
    expect((onNode.body['items'] as unknown[]).length).toBe(4);
    const first = await call('GET', '/api/v1/pods?limit=3');
    expect((first.body['items'] as unknown[]).map(nameOf)).toEqual(['a', 'b', 'c']);
    const metadata = first.body['metadata'] as { continue: string; remainingItemCount: number };
    expect(metadata.remainingItemCount).toBe(1);
    const second = await call('GET', `/api/v1/pods?limit=3&continue=${metadata.continue}`);
    expect((second.body['items'] as unknown[]).map(nameOf)).toEqual(['d']);
    expect((second.body['metadata'] as { continue?: string }).continue).toBeUndefined();
  });

  it('watches from a resourceVersion: every later change in order, filtered by selector', async () => {
    const list = await call('GET', '/api/v1/namespaces/default/pods');
    const from = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1', { app: 'web' }));
    await call('POST', '/api/v1/namespaces/default/pods', pod('db-1', { app: 'db' }));
    await call('DELETE', '/api/v1/namespaces/default/pods/web-1', { gracePeriodSeconds: 0 });
    const events = await watchEvents(
      `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${from}&labelSelector=app%3Dweb`,
      3,
    );
    expect(events.map((e) => `${e.type} ${nameOf(e.object)}`)).toEqual([
      'ADDED web-1',
      'MODIFIED web-1', // bound by the scheduler
      'DELETED web-1',
    ]);
  });

  it('streams the current objects first for sendInitialEvents, ending them with a bookmark', async () => {
    await call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'a' } });
    await call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'b' } });
    const events = await watchEvents(
      '/api/v1/serviceaccounts?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
      3,
    );
    expect(events.map((e) => `${e.type} ${nameOf(e.object)}`.trim())).toEqual([
      'ADDED a',
      'ADDED b',
      'BOOKMARK',
    ]);
    expect(events[2]?.object).toMatchObject({
      metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  });

  it('answers a watch from a resourceVersion older than its history with 410 Expired', async () => {
    await server.close();
    await start({ watchHistory: 2 });
    for (let i = 0; i < 10; i++)
      await call('POST', '/api/v1/namespaces/default/serviceaccounts', {
        metadata: { name: `sa-${i}` },
      });
    const events = await watchEvents('/api/v1/serviceaccounts?watch=1&resourceVersion=1', 1);
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('answers a continue token older than its history with 410 Expired', async () => {
    await server.close();
    await start({ watchHistory: 2 });
    for (const name of ['a', 'b', 'c'])
      await call('POST', '/api/v1/namespaces/default/pods', pod(name));
    const first = await call('GET', '/api/v1/pods?limit=1');
    const token = (first.body['metadata'] as { continue: string }).continue;
    for (let i = 0; i < 10; i++) {
      await call('POST', '/api/v1/namespaces/default/serviceaccounts', {
        metadata: { name: `sa-${i}` },
      });
    }
    const stale = await call('GET', `/api/v1/pods?limit=1&continue=${token}`);
    expect(stale.status).toBe(410);
    expect(stale.body['reason']).toBe('Expired');
    expect((await call('GET', '/api/v1/pods?limit=1&continue=garbage')).status).toBe(400);
  });

  it('turns bad input into a Status with a reason, never a crash', async () => {
    const malformed = await call('POST', '/api/v1/namespaces/default/pods', '{"metadata": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const noContainers = await call('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'x' },
      spec: {},
    });
    expect(noContainers.status).toBe(422);
    expect(noContainers.body['reason']).toBe('Invalid');
    const badName = await call('POST', '/api/v1/namespaces/default/serviceaccounts', {
      metadata: { name: 'Not_Valid' },
    });
    expect(badName.status).toBe(422);
    expect(badName.body).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ field: 'metadata.name' }] },
    });
    const badEnum = await call(
      'GET',
      '/api/v1/pods?resourceVersion=1&resourceVersionMatch=Sometimes',
    );
    expect(badEnum.status).toBe(422);
    expect(badEnum.body).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ field: 'resourceVersionMatch' }] },
    });
    const hugeLimit = await call('GET', '/api/v1/pods?limit=999999999999999999999');
    expect(hugeLimit.status).toBe(200);
    const badLimit = await call('GET', '/api/v1/pods?limit=-1');
    expect(badLimit.status).toBe(400);
    const badSelector = await call('GET', '/api/v1/pods?labelSelector=a%20in%20(');
    expect(badSelector.status).toBe(400);
    const unsupportedField = await call('GET', '/api/v1/pods?fieldSelector=spec.color%3Dblue');
    expect(unsupportedField.body['message']).toBe('field label not supported: spec.color');
    const noNamespace = await call(
      'POST',
      '/api/v1/namespaces/nowhere/pods',
      pod('x', {}, 'nowhere'),
    );
    expect(noNamespace.status).toBe(404);
    const wrongKind = await call('POST', '/api/v1/namespaces/default/pods', {
      ...(pod('x') as object),
      kind: 'Node',
    });
    expect(wrongKind.status).toBe(400);
    const numericLabel = await call('POST', '/api/v1/namespaces/default/pods', {
      ...(pod('x') as object),
      metadata: { name: 'x', labels: { app: 5 } },
    });
    expect(numericLabel.status).toBe(400);
    const badLabel = await call(
      'POST',
      '/api/v1/namespaces/default/pods',
      pod('x', { 'bad key!': 'v' }),
    );
    expect(badLabel.status).toBe(422);
    expect(badLabel.body).toMatchObject({ details: { causes: [{ field: 'metadata.labels' }] } });
    const orphanEvent = await call('POST', '/api/v1/namespaces/default/events', {
      metadata: { name: 'e' },
      reason: 'R',
      type: 'Sometimes',
    });
    expect(orphanEvent.status).toBe(422);
    expect(
      (orphanEvent.body['details'] as { causes: { field: string }[] }).causes.map((c) => c.field),
    ).toEqual(['involvedObject', 'type']);
    expect((await call('GET', '/api/v1/namespaces/%E0%A4%A/pods')).status).toBe(400);
    expect(cluster.pods()).toEqual([]);
    expect((await call('GET', '/api/v1/pods')).status).toBe(200);
  });

  it('serves the resources of a CRD (namespaced and cluster-scoped) and lists them in discovery', async () => {
    for (const crd of [sgpCrd, cniNodeCrd]) {
      const created = await call(
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        crd,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body['status']).toMatchObject({
        conditions: expect.arrayContaining([
          expect.objectContaining({ type: 'Established', status: 'True' }),
        ]),
      });
    }
    const group = await call('GET', '/apis/vpcresources.k8s.aws');
    expect((group.body['versions'] as { version: string }[]).map((v) => v.version)).toEqual([
      'v1beta1',
      'v1alpha1',
    ]);
    const resources = (await call('GET', '/apis/vpcresources.k8s.aws/v1beta1')).body[
      'resources'
    ] as { name: string; shortNames?: string[]; namespaced: boolean }[];
    expect(resources).toEqual([
      expect.objectContaining({
        name: 'securitygrouppolicies',
        shortNames: ['sgp'],
        namespaced: true,
      }),
    ]);
    const policy = await call(
      'POST',
      '/apis/vpcresources.k8s.aws/v1beta1/namespaces/default/securitygrouppolicies',
      {
        apiVersion: 'vpcresources.k8s.aws/v1beta1',
        kind: 'SecurityGroupPolicy',
        metadata: { name: 'web' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
        },
      },
    );
    expect(policy.status).toBe(201);
    expect(cluster.policies().map(nameOf)).toEqual(['web']); // the controller's ClusterApi sees it
    const cniNode = await call('POST', '/apis/vpcresources.k8s.aws/v1alpha1/cninodes', {
      metadata: { name: 'node-a' },
      spec: { features: [{ name: 'SecurityGroupsForPods' }] },
      status: { ignored: true },
    });
    expect(cniNode.status).toBe(201);
    expect(cniNode.body['status']).toBeUndefined(); // status is a subresource
    expect(
      (await call('GET', '/apis/vpcresources.k8s.aws/v1alpha1/namespaces/default/cninodes/node-a'))
        .status,
    ).toBe(404);
    const strategic = await call(
      'PATCH',
      '/apis/vpcresources.k8s.aws/v1alpha1/cninodes/node-a',
      { spec: {} },
      {
        'Content-Type': 'application/strategic-merge-patch+json',
      },
    );
    expect(strategic.status).toBe(415);
    const merged = await call(
      'PATCH',
      '/apis/vpcresources.k8s.aws/v1alpha1/cninodes/node-a',
      { metadata: { labels: { a: 'b' } } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(merged.body['metadata']).toMatchObject({ labels: { a: 'b' } });
    expect(merged.body['spec']).toEqual({ features: [{ name: 'SecurityGroupsForPods' }] });
    await call(
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/cninodes.vpcresources.k8s.aws',
    );
    expect((await call('GET', '/apis/vpcresources.k8s.aws/v1alpha1')).status).toBe(404);
    const recreated = await call(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      cniNodeCrd,
    );
    expect(recreated.status).toBe(201);
    const cniNodes = await call('GET', '/apis/vpcresources.k8s.aws/v1alpha1/cninodes');
    expect(cniNodes.body['items']).toEqual([]); // deleting a CRD deletes its objects
  });

  it('deletes what a namespace holds with the namespace', async () => {
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'team-a' } });
    await call('POST', '/api/v1/namespaces/team-a/pods', pod('web-1', {}, 'team-a'));
    await call('POST', '/api/v1/namespaces/team-a/serviceaccounts', {
      metadata: { name: 'builder' },
    });
    await call('POST', '/api/v1/namespaces/default/serviceaccounts', {
      metadata: { name: 'builder' },
    });
    expect((await call('DELETE', '/api/v1/namespaces/team-a')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100)); // pods terminate gracefully
    expect(cluster.pods().map((p) => p.name)).toEqual([]);
    const accounts = (await call('GET', '/api/v1/serviceaccounts')).body['items'] as unknown[];
    expect(
      accounts.map((a) => (a as { metadata: { namespace: string } }).metadata.namespace),
    ).toEqual(['default']);
  });

  it('refuses a malformed CRD naming the fields', async () => {
    const answer = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'wrong.example.com' },
      spec: {
        group: 'example.com',
        names: { plural: 'things', kind: 'Thing' },
        scope: 'Galaxy',
        versions: [],
      },
    });
    expect(answer.status).toBe(422);
    const fields = (answer.body['details'] as { causes: { field: string }[] }).causes.map(
      (c) => c.field,
    );
    expect(fields).toEqual(['spec.scope', 'metadata.name', 'spec.versions']);
  });

  it('patches node status (capacity) so the scheduler honours pod-eni', async () => {
    const patched = await call(
      'PATCH',
      '/api/v1/nodes/node-a/status',
      { status: { capacity: { 'vpc.amazonaws.com/pod-eni': '1' } } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body['status']).toMatchObject({
      capacity: { 'vpc.amazonaws.com/pod-eni': '1' },
      allocatable: { 'vpc.amazonaws.com/pod-eni': '1' },
    });
    expect(cluster.nodes()[0]?.capacity).toEqual({ 'vpc.amazonaws.com/pod-eni': 1 });
    const wants = (name: string): unknown => ({
      metadata: { name },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx',
            resources: { limits: { 'vpc.amazonaws.com/pod-eni': '1' } },
          },
        ],
      },
    });
    await call('POST', '/api/v1/namespaces/default/pods', wants('a'));
    await call('POST', '/api/v1/namespaces/default/pods', wants('b'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const bound = await call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a');
    expect((bound.body['items'] as unknown[]).map(nameOf)).toEqual(['a']);
    const labelled = await call(
      'PATCH',
      '/api/v1/nodes/node-a',
      { metadata: { labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' } } },
      {
        'Content-Type': 'application/strategic-merge-patch+json',
      },
    );
    expect(labelled.body['metadata']).toMatchObject({
      labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' },
    });
    expect(cluster.nodes()[0]?.labels['vpc.amazonaws.com/has-trunk-attached']).toBe('true');
  });

  it('keeps leases with optimistic concurrency', async () => {
    const spec = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      renewTime: '2026-12-01T02:00:00.000000Z',
    };
    const created = await call(
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
      { metadata: { name: 'podsg' }, spec },
    );
    expect(created.status).toBe(201);
    const version = (created.body['metadata'] as { resourceVersion: string }).resourceVersion;
    const renewed = await call(
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/podsg',
      {
        metadata: { name: 'podsg', resourceVersion: version },
        spec: { ...spec, renewTime: '2026-12-01T02:00:02.000000Z' },
      },
    );
    expect(renewed.status).toBe(200);
    const late = await call(
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/podsg',
      {
        metadata: { name: 'podsg', resourceVersion: version },
        spec: { ...spec, holderIdentity: 'b' },
      },
    );
    expect(late.status).toBe(409);
    expect(late.body['reason']).toBe('Conflict');
  });

  it('records events posted on either API in the model', async () => {
    await call('POST', '/api/v1/namespaces/default/events', {
      metadata: { generateName: 'web-1.' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1' },
      type: 'Normal',
      reason: 'AllocatedBranch',
      message: 'branch eni-1',
    });
    await call('POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      metadata: { name: 'web-1.2' },
      regarding: { kind: 'Pod', namespace: 'default', name: 'web-1' },
      type: 'Warning',
      reason: 'BranchFailed',
      note: 'no capacity',
      eventTime: '2026-12-01T02:00:00.000000Z',
      action: 'Allocate',
      reportingController: 'podsg',
      reportingInstance: 'podsg-0',
    });
    expect(cluster.events().map((e) => `${e.type} ${e.reason} ${e.message} ${e.source}`)).toEqual([
      'Normal AllocatedBranch branch eni-1 alice',
      'Warning BranchFailed no capacity alice',
    ]);
    const byReason = await call(
      'GET',
      '/api/v1/namespaces/default/events?fieldSelector=reason%3DAllocatedBranch',
    );
    expect((byReason.body['items'] as unknown[]).length).toBe(1);
    // One store, two views: each API shows both events in its own shape.
    const core = (await call('GET', '/api/v1/namespaces/default/events')).body['items'] as Record<
      string,
      unknown
    >[];
    expect(core.map((e) => e['message']).sort()).toEqual(['branch eni-1', 'no capacity']);
    const modern = await call(
      'GET',
      '/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb-1',
    );
    expect(
      (modern.body['items'] as Record<string, unknown>[])
        .map((e) => [e['apiVersion'], e['note']])
        .sort(),
    ).toEqual([
      ['events.k8s.io/v1', 'branch eni-1'],
      ['events.k8s.io/v1', 'no capacity'],
    ]);
  });

  it('deletes with a uid precondition only the object it names', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const uid = (created.body['metadata'] as { uid: string }).uid;
    const wrong = await call('DELETE', '/api/v1/namespaces/default/pods/web-1', {
      preconditions: { uid: 'another' },
      gracePeriodSeconds: 0,
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body['message']).toMatch(/Precondition failed: UID in precondition: another/);
    const right = await call('DELETE', '/api/v1/namespaces/default/pods/web-1', {
      preconditions: { uid },
      gracePeriodSeconds: 0,
    });
    expect(right.status).toBe(200);
    expect(cluster.podManifest('default', 'web-1')).toBeNull();
  });

  it('refuses pod updates beyond metadata and images, and writes pod status through the subresource', async () => {
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const moved = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/web-1',
      { spec: { hostNetwork: true } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(moved.status).toBe(422);
    expect(moved.body).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ field: 'spec' }] },
    });
    const running = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/web-1/status',
      { status: { phase: 'Running' } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(running.body['status']).toMatchObject({ phase: 'Running' });
    expect(cluster.pods()[0]?.phase).toBe('Running');
    const bogus = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/web-1/status',
      { status: { phase: 'Sleeping' } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(bogus.status).toBe(422);
  });

  it('answers kubectl-style Table requests', async () => {
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const table = await call('GET', '/api/v1/namespaces/default/pods', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(table.body['kind']).toBe('Table');
    expect((table.body['columnDefinitions'] as { name: string }[]).map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
    ]);
    expect((table.body['rows'] as { cells: unknown[] }[])[0]?.cells.slice(0, 3)).toEqual([
      'web-1',
      '0/1',
      'Pending',
    ]);
  });

  it('sends bookmarks to watches that allow them, and ends a watch after timeoutSeconds', async () => {
    await server.close();
    await start({ bookmarkIntervalMs: 20 });
    const started = Date.now();
    const events = await watchEvents(
      '/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=0&timeoutSeconds=1',
      100,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.type === 'BOOKMARK')).toBe(true);
    expect(events[0]?.object).toMatchObject({
      kind: 'Pod',
      metadata: { resourceVersion: cluster.resourceVersion },
    });
  });
});

describe('FakeKubernetesServer over a cluster with built-in admission', () => {
  afterEach(async () => {
    await server.close();
  });

  it("passes the requesting user to podsg's annotation guard", async () => {
    cluster = new FakeCluster({ clock: wallClock });
    server = await FakeKubernetesServer.start({ cluster, tls: false });
    token = server.addUser('alice');
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const annotate = { metadata: { annotations: { 'vpc.amazonaws.com/pod-eni': '[]' } } };
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const refused = await call('PATCH', '/api/v1/namespaces/default/pods/web-1', annotate, merge);
    expect(refused.status).toBe(403);
    expect(refused.body['message']).toMatch(
      /^admission webhook "pod-eni-annotation\.podsg\.io" denied the request/,
    );
    token = server.addUser('system:serviceaccount:kube-system:podsg-controller');
    expect(
      (await call('PATCH', '/api/v1/namespaces/default/pods/web-1', annotate, merge)).status,
    ).toBe(200);
    expect(cluster.podAnnotations('default', 'web-1')).toEqual({
      'vpc.amazonaws.com/pod-eni': '[]',
    });
  });
});

describe('FakeKubernetesServer faults', () => {
  afterEach(async () => {
    await server.close();
  });

  it('throttles with 429 and Retry-After, fails with 5xx, and does nothing then', async () => {
    await start({ faults: [{ fault: 'throttle', rate: 1, verb: 'create', retryAfterSeconds: 3 }] });
    const throttled = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(throttled.body).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 3 },
    });
    expect(cluster.pods()).toEqual([]);
    server.setFaults([{ fault: 'error', rate: 1, resource: 'pods', status: 503 }]);
    const unavailable = await call('GET', '/api/v1/pods');
    expect(unavailable.status).toBe(503);
    expect((await call('GET', '/api/v1/nodes')).status).toBe(200);
  });

  it('loses the reply of a change that took effect', async () => {
    await start({ faults: [{ fault: 'lostReply', rate: 1, verb: 'create' }] });
    await expect(call('POST', '/api/v1/namespaces/default/pods', pod('web-1'))).rejects.toThrow();
    expect(cluster.podManifest('default', 'web-1')).not.toBeNull();
  });

  it('expires watches with 410 and refuses updates with 409 when told to', async () => {
    await start({
      faults: [
        { fault: 'expireWatch', rate: 1, delayMs: 50 },
        { fault: 'conflict', rate: 1, resource: 'pods' },
      ],
    });
    const events = await watchEvents('/api/v1/nodes?watch=1&resourceVersion=0', 10);
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
    expect(events[1]?.object).toMatchObject({ code: 410, reason: 'Expired' });
    await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    const patched = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/web-1',
      { metadata: { labels: { a: 'b' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(409);
    expect(cluster.pods()[0]?.labels).toEqual({});
  });

  it('cuts watches, and draws faults from its seed', async () => {
    await start({ faults: [{ fault: 'dropWatch', rate: 1, delayMs: 50 }] });
    await expect(watchEvents('/api/v1/pods?watch=1', 1000)).rejects.toThrow();
    const draws = async (seed: number): Promise<number[]> => {
      await server.close();
      await start({ seed, faults: [{ fault: 'error', rate: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call('GET', '/api/v1/nodes')).status);
      return statuses;
    };
    const first = await draws(7);
    expect(await draws(7)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });
});

const sgpCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'securitygrouppolicies.vpcresources.k8s.aws' },
  spec: {
    group: 'vpcresources.k8s.aws',
    names: {
      kind: 'SecurityGroupPolicy',
      plural: 'securitygrouppolicies',
      singular: 'securitygrouppolicy',
      shortNames: ['sgp'],
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object' } },
      },
    ],
  },
};

const cniNodeCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'cninodes.vpcresources.k8s.aws' },
  spec: {
    group: 'vpcresources.k8s.aws',
    names: { kind: 'CNINode', plural: 'cninodes', singular: 'cninode', shortNames: ['cnd'] },
    scope: 'Cluster',
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object' } },
      },
    ],
  },
};
