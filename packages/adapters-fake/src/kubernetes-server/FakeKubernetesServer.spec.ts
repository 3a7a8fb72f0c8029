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
  return (object as { metadata: { name: string } }).metadata.name;
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
    expect((await call('GET', '/api/v1/pods')).status).toBe(200);
  });
});
