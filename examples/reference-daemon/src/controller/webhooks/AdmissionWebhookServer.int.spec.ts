// The webhooks over real TLS on loopback: reviews from a FakeCluster-fed policy cache, 400 for
// what is not a review, 413 past the size limit, and the certificate swapped the way the
// kubelet updates a mounted secret (a new timestamped directory, then the `..data` symlink).
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCluster, VirtualClock } from '@podsg/adapters-fake';
import { decodeJsonPatch } from '@podsg/policy';
import { ControllerMetrics } from '../metrics/ControllerMetrics.js';
import {
  AdmissionWebhookServer,
  MAX_REVIEW_BYTES,
  WEBHOOK_PATHS,
} from './AdmissionWebhookServer.js';
import {
  generateWebhookCertificate,
  type GeneratedWebhookCertificate,
} from './generateWebhookCertificate.js';
import { PolicyCache } from './PolicyCache.js';
import { ServingCertificate } from './ServingCertificate.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function post(
  port: number,
  ca: string,
  path: string,
  body: string | Buffer,
  tlsMaxVersion?: 'TLSv1.1',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json' },
        ...(tlsMaxVersion === undefined ? {} : { maxVersion: tlsMaxVersion, minVersion: 'TLSv1' }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const podReview = (uid: string, labels: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default', labels },
        spec: { containers: [{ name: 'app', image: 'nginx' }] },
      },
    },
  });

let dir: string;
let first: GeneratedWebhookCertificate;
let second: GeneratedWebhookCertificate;
let server: AdmissionWebhookServer;
let certificate: ServingCertificate;
const reloaded: string[] = [];

/** Writes a secret volume revision as the kubelet does: `..<ts>/`, then swap `..data`. */
async function publishSecret(
  generated: GeneratedWebhookCertificate,
  revision: string,
): Promise<void> {
  const revisionDir = join(dir, `..${revision}`);
  await mkdir(revisionDir);
  await writeFile(join(revisionDir, 'tls.crt'), generated.cert);
  await writeFile(join(revisionDir, 'tls.key'), generated.key);
  await symlink(`..${revision}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-webhook-'));
  [first, second] = await Promise.all([
    generateWebhookCertificate(['localhost']),
    generateWebhookCertificate(['localhost']),
  ]);
  await publishSecret(first, '2026_12_01_01');
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));

  const cluster = new FakeCluster({ clock: new VirtualClock() });
  cluster.applyPolicy({
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { namespace: 'default', name: 'web' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
    },
  });
  const cache = new PolicyCache(cluster, silent);
  await cache.start();
  certificate = new ServingCertificate({
    files: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
    log: silent,
    onChange: (tls) => {
      server.setSecureContext(tls);
      reloaded.push('reloaded');
    },
  });
  const tls = await certificate.load();
  server = new AdmissionWebhookServer({
    host: '127.0.0.1',
    port: 0,
    tls,
    cache,
    controllerUsernames: ['system:serviceaccount:podsg-system:podsg-controller'],
    metrics: new ControllerMetrics(),
    log: silent,
  });
  await server.start();
  certificate.watch(dir, 60_000);
});

afterAll(async () => {
  certificate.close();
  await server.close(100);
  await rm(dir, { recursive: true, force: true });
});

describe('admission webhooks over TLS', () => {
  it('mutates a pod its policy selects, and leaves another alone', async () => {
    const selected = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.mutatePod,
      podReview('u1', { app: 'web' }),
    );
    expect(selected.status).toBe(200);
    const response = selected.body['response'] as { uid: string; allowed: boolean; patch: string };
    expect(response).toMatchObject({ uid: 'u1', allowed: true });
    expect(JSON.stringify(decodeJsonPatch(response.patch))).toContain(
      '"vpc.amazonaws.com/pod-eni":"1"',
    );

    const other = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.mutatePod,
      podReview('u2', { app: 'db' }),
    );
    expect(other.body['response']).toEqual({ uid: 'u2', allowed: true });
  });

  it('answers 400 with a reason for what is not an AdmissionReview, and keeps serving', async () => {
    const notJson = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.mutatePod,
      '{"apiVersion":',
    );
    expect(notJson).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
    expect(String(notJson.body['message'])).toMatch(/not JSON/);
    const noRequest = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.validatePod,
      JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
    );
    expect(noRequest.status).toBe(400);
    const wrongKind = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.validatePod,
      JSON.stringify({ kind: 'Pod' }),
    );
    expect(String(wrongKind.body['message'])).toMatch(/^kind: expected "AdmissionReview"/);
    const huge = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.mutatePod,
      Buffer.alloc(MAX_REVIEW_BYTES + 1, 32),
    ).catch((error: unknown) => ({ status: -1, body: { error: String(error) } }));
    // The server answers 413 and closes; the client sees the answer or a reset while still sending.
    expect([413, -1]).toContain(huge.status);
    const still = await post(
      server.port,
      first.caCert,
      WEBHOOK_PATHS.mutatePod,
      podReview('u3', {}),
    );
    expect(still.status).toBe(200);
  });

  it('validates SecurityGroupPolicies and guards the pod-eni annotation', async () => {
    const review = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'p1',
        kind: { group: 'vpcresources.k8s.aws', version: 'v1beta1', kind: 'SecurityGroupPolicy' },
        resource: {
          group: 'vpcresources.k8s.aws',
          version: 'v1beta1',
          resource: 'securitygrouppolicies',
        },
        namespace: 'default',
        operation: 'CREATE',
        userInfo: { username: 'alice' },
        object: {
          apiVersion: 'vpcresources.k8s.aws/v1beta1',
          kind: 'SecurityGroupPolicy',
          metadata: { name: 'bad', namespace: 'default' },
          spec: { podSelector: {}, securityGroups: { groupIds: ['sg-12345'] } },
        },
      },
    });
    const answer = await post(server.port, first.caCert, WEBHOOK_PATHS.validatePolicy, review);
    expect(answer.body['response']).toMatchObject({ allowed: false, status: { code: 422 } });
  });

  it('refuses TLS 1.1', async () => {
    await expect(
      post(server.port, first.caCert, WEBHOOK_PATHS.mutatePod, podReview('t', {}), 'TLSv1.1'),
    ).rejects.toThrow();
  });

  it('serves a renewed certificate once the secret volume swaps ..data, without a restart', async () => {
    await expect(
      post(server.port, second.caCert, WEBHOOK_PATHS.mutatePod, podReview('r1', {})),
    ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await publishSecret(second, '2026_12_01_02');
    const deadline = Date.now() + 5000;
    while (reloaded.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(reloaded.length).toBeGreaterThan(0);
    const renewed = await post(
      server.port,
      second.caCert,
      WEBHOOK_PATHS.mutatePod,
      podReview('r2', {}),
    );
    expect(renewed.status).toBe(200);
  });
});
