import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../../services/FakeCluster.js';
import { FakeKubernetesServer } from '../FakeKubernetesServer.js';
import { issueTlsCertificates } from '../issueTlsCertificates.js';
import type { TlsCertificates } from '../issueTlsCertificates.js';

const wallClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

interface Review {
  request: {
    uid: string;
    operation: string;
    resource: { resource: string };
    subResource?: string;
    userInfo: { username: string; groups: string[] };
    object: { metadata: { name?: string; labels?: Record<string, string> } } | null;
  };
}

/** A webhook server: answers by path, records every review. */
class WebhookServer {
  readonly reviews: { path: string; review: Review }[] = [];
  #server: Server | null = null;
  url = '';

  async start(
    tls: TlsCertificates,
    answer: (path: string, review: Review) => unknown,
  ): Promise<void> {
    this.#server = createServer(
      { key: tls.keyPem, cert: tls.certificatePem },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
          const path = request.url ?? '';
          this.reviews.push({ path, review });
          const body = answer(path, review);
          if (body === 'hang') return;
          response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
        });
      },
    );
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

function allow(review: Review, patch?: unknown[]): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: review.request.uid,
      allowed: true,
      ...(patch === undefined
        ? {}
        : { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
    },
  };
}

function deny(review: Review, message: string): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review.request.uid, allowed: false, status: { code: 403, message } },
  };
}

let webhookTls: TlsCertificates;
let otherTls: TlsCertificates;
let cluster: FakeCluster;
let server: FakeKubernetesServer;
let hooks: WebhookServer;
let adminToken: string;
let aliceToken: string;

beforeAll(async () => {
  [webhookTls, otherTls] = await Promise.all([issueTlsCertificates(), issueTlsCertificates()]);
});

beforeEach(async () => {
  cluster = new FakeCluster({ clock: wallClock, admission: false });
  cluster.addNode({ name: 'node-a' });
  server = await FakeKubernetesServer.start({ cluster, tls: false });
  adminToken = server.addUser('admin');
  aliceToken = server.addUser('alice', { groups: ['developers'] });
  hooks = new WebhookServer();
});

afterEach(async () => {
  await server.close();
  await hooks.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  token = adminToken,
  contentType = 'application/json',
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function webhook(
  name: string,
  path: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    clientConfig: {
      url: `${hooks.url}${path}`,
      caBundle: Buffer.from(webhookTls.caPem).toString('base64'),
    },
    rules: [
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
      },
    ],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Fail',
    timeoutSeconds: 2,
    ...extra,
  };
}

async function register(
  kind: 'Mutating' | 'Validating',
  name: string,
  webhooks: unknown[],
): Promise<void> {
  const plural =
    kind === 'Mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  const answer = await call('POST', `/apis/admissionregistration.k8s.io/v1/${plural}`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
}

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
});

describe('admission webhooks', () => {
  it('calls a mutating webhook over HTTPS with the user, applies its JSON patch, then validates', async () => {
    await hooks.start(webhookTls, (path, review) =>
      path === '/mutate'
        ? allow(review, [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }])
        : review.request.object?.metadata.labels?.['mutated'] === 'yes'
          ? allow(review)
          : deny(review, 'not mutated'),
    );
    await register('Mutating', 'podsg', [webhook('mutate.podsg.io', '/mutate')]);
    await register('Validating', 'podsg', [webhook('validate.podsg.io', '/validate')]);
    const created = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'), aliceToken);
    expect(created.status).toBe(201);
    expect(cluster.podManifest('default', 'web-1')?.['metadata']).toMatchObject({
      labels: { mutated: 'yes' },
    });
    expect(hooks.reviews.map((r) => r.path)).toEqual(['/mutate', '/validate']);
    expect(hooks.reviews[0]?.review.request).toMatchObject({
      operation: 'CREATE',
      resource: { resource: 'pods' },
      userInfo: { username: 'alice', groups: ['developers', 'system:authenticated'] },
    });
    expect(server.webhookCalls().map((c) => `${c.webhook} ${c.outcome}`)).toEqual([
      'mutate.podsg.io patched',
      'validate.podsg.io allowed',
    ]);
  });

  it('reports a denial with the webhook name and message and stores nothing', async () => {
    await hooks.start(webhookTls, (_path, review) => deny(review, 'pods named bad-* are refused'));
    await register('Validating', 'guard', [webhook('guard.podsg.io', '/validate')]);
    const refused = await call('POST', '/api/v1/namespaces/default/pods', pod('bad-1'));
    expect(refused.status).toBe(403);
    expect(refused.body['message']).toBe(
      'admission webhook "guard.podsg.io" denied the request: pods named bad-* are refused',
    );
    expect(cluster.podManifest('default', 'bad-1')).toBeNull();
  });

  it('honours rules, subresources, objectSelector and namespaceSelector', async () => {
    await hooks.start(webhookTls, (_path, review) => allow(review));
    await register('Validating', 'selective', [
      webhook('labelled.podsg.io', '/labelled', {
        objectSelector: { matchLabels: { checked: 'true' } },
      }),
      webhook('status.podsg.io', '/status', {
        rules: [
          {
            operations: ['UPDATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods/status'],
          },
        ],
      }),
      webhook('system.podsg.io', '/system', {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      }),
    ]);
    await call('POST', '/api/v1/namespaces/default/pods', pod('plain'));
    await call('POST', '/api/v1/namespaces/default/pods', pod('checked', { checked: 'true' }));
    await call('POST', '/api/v1/namespaces/kube-system/pods', pod('sys'));
    const status = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/plain/status',
      { status: { phase: 'Running' } },
      adminToken,
      'application/merge-patch+json',
    );
    expect(status.status).toBe(200);
    expect(
      hooks.reviews.map((r) => `${r.path} ${r.review.request.object?.metadata.name ?? ''}`),
    ).toEqual(['/labelled checked', '/system sys', '/status plain']);
    expect(hooks.reviews[2]?.review.request.subResource).toBe('status');
  });

  it('verifies the webhook certificate against caBundle: Fail refuses, Ignore admits', async () => {
    await hooks.start(webhookTls, (_path, review) => allow(review));
    const wrongCa = Buffer.from(otherTls.caPem).toString('base64');
    await register('Validating', 'untrusted', [
      webhook('strict.podsg.io', '/strict', {
        clientConfig: { url: `${hooks.url}/strict`, caBundle: wrongCa },
      }),
    ]);
    const refused = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    expect(refused.status).toBe(500);
    expect(refused.body['message']).toMatch(
      /^Internal error occurred: failed calling webhook "strict\.podsg\.io": /,
    );
    expect(hooks.reviews).toHaveLength(0);
    await call(
      'DELETE',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/untrusted',
    );
    await register('Validating', 'lenient', [
      webhook('lenient.podsg.io', '/lenient', {
        failurePolicy: 'Ignore',
        clientConfig: { url: `${hooks.url}/lenient`, caBundle: wrongCa },
      }),
    ]);
    expect((await call('POST', '/api/v1/namespaces/default/pods', pod('web-2'))).status).toBe(201);
    expect(server.webhookCalls().map((c) => c.outcome)).toEqual(['failed', 'ignored']);
  });

  it('gives up on a webhook after its timeoutSeconds', async () => {
    await hooks.start(webhookTls, () => 'hang');
    await register('Validating', 'slow', [
      webhook('slow.podsg.io', '/slow', { timeoutSeconds: 1 }),
    ]);
    const started = Date.now();
    const refused = await call('POST', '/api/v1/namespaces/default/pods', pod('web-1'));
    expect(refused.status).toBe(500);
    expect(refused.body['message']).toMatch(/deadline exceeded/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reviews custom resources too: a SecurityGroupPolicy the webhook refuses is not stored', async () => {
    await hooks.start(webhookTls, (_path, review) =>
      review.request.object?.metadata.name === 'bad'
        ? deny(review, 'groupIds: too many')
        : allow(review),
    );
    const crd = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'securitygrouppolicies.vpcresources.k8s.aws' },
      spec: {
        group: 'vpcresources.k8s.aws',
        names: { kind: 'SecurityGroupPolicy', plural: 'securitygrouppolicies' },
        scope: 'Namespaced',
        versions: [{ name: 'v1beta1', served: true, storage: true }],
      },
    });
    expect(crd.status).toBe(201);
    await register('Validating', 'sgp', [
      webhook('sgp.podsg.io', '/sgp', {
        rules: [
          {
            operations: ['CREATE', 'UPDATE'],
            apiGroups: ['vpcresources.k8s.aws'],
            apiVersions: ['v1beta1'],
            resources: ['securitygrouppolicies'],
          },
        ],
      }),
    ]);
    const policy = (name: string) => ({
      apiVersion: 'vpcresources.k8s.aws/v1beta1',
      kind: 'SecurityGroupPolicy',
      metadata: { name },
      spec: { podSelector: {}, securityGroups: { groupIds: ['sg-0123456789abcdef0'] } },
    });
    const path = '/apis/vpcresources.k8s.aws/v1beta1/namespaces/default/securitygrouppolicies';
    const refused = await call('POST', path, policy('bad'));
    expect(refused.status).toBe(403);
    expect(refused.body['message']).toBe(
      'admission webhook "sgp.podsg.io" denied the request: groupIds: too many',
    );
    expect((await call('POST', path, policy('good'))).status).toBe(201);
    expect(cluster.policies().map((p) => (p['metadata'] as { name: string }).name)).toEqual([
      'good',
    ]);
    expect(hooks.reviews.map((r) => r.review.request.resource.resource)).toEqual([
      'securitygrouppolicies',
      'securitygrouppolicies',
    ]);
  });

  it('refuses invalid webhook configurations with the field named', async () => {
    const answer = await call(
      'POST',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      {
        metadata: { name: 'broken' },
        webhooks: [
          {
            ...webhook('short', '/x'),
            sideEffects: 'Some',
            clientConfig: { url: 'http://127.0.0.1:1/x' },
          },
        ],
      },
    );
    expect(answer.status).toBe(422);
    const fields = (answer.body['details'] as { causes: { field: string }[] }).causes.map(
      (c) => c.field,
    );
    expect(fields).toEqual([
      'webhooks[0].name',
      'webhooks[0].clientConfig.url',
      'webhooks[0].sideEffects',
    ]);
  });
});
