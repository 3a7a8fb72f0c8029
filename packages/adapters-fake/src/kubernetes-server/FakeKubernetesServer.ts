import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { AllocatorError } from '@podsg/allocator';
import { isJsonObject, objectAt, stringAt, stringMapAt } from '../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../models/KubernetesObject.js';
import type { FakeClusterObjectChange, FakeResource } from '../models/FakeClusterObjectChange.js';
import type { FakeCluster } from '../services/FakeCluster.js';
import { SeededRandom } from '../services/SeededRandom.js';
import { issueTlsCertificates } from './issueTlsCertificates.js';
import type { TlsCertificates } from './issueTlsCertificates.js';
import { runAdmission } from './internal/admissionWebhooks.js';
import type { AdmissionCall } from './internal/admissionWebhooks.js';
import {
  badRequest,
  KubernetesStatusFailure,
  statusOf,
} from './internal/KubernetesStatusFailure.js';
import { groupsOf, resourceList } from './internal/discoveryDocuments.js';
import { objectProblems } from './internal/objectProblems.js';
import {
  booleanParameter,
  integerParameter,
  readDeleteOptions,
  readJson,
  readObject,
} from './internal/readRequest.js';
import { notFoundPath, parseResourcePath, verbOf } from './internal/resourcePath.js';
import type { ResourceRequest } from './internal/resourcePath.js';
import { kubeconfigYaml } from './internal/kubeconfigYaml.js';
import { openApiV3GroupVersion, openApiV3Root } from './internal/openApiV3.js';
import { applyPatch, patchTypeOf } from './internal/patches.js';
import {
  apiVersionOf,
  BUILT_IN_RESOURCES,
  CRD_RESOURCE,
  crdProblems,
  NAMESPACE_RESOURCE,
  resourceOfCrd,
} from './internal/resourceCatalog.js';
import type { ServedResource } from './internal/resourceCatalog.js';
import { parseFieldSelector, parseLabelSelector } from './internal/selectors.js';
import type { ObjectFilter } from './internal/selectors.js';
import { toTable, wantsTable } from './internal/tables.js';
import { webhookConfigurationProblems } from './internal/webhookConfigurationProblems.js';
import type {
  FakeKubernetesServerOptions,
  FakeKubernetesUser,
  KubernetesFaultRule,
  KubernetesVerb,
} from './models/FakeKubernetesServerOptions.js';

const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-podsg-fake' };
/** Unsent watch events a client may leave queued before its watch is cut. */
const MAX_WATCH_BACKLOG_BYTES = 16 * 1024 * 1024;
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const FAULTS: readonly KubernetesFaultRule['fault'][] = [
  'throttle',
  'error',
  'slow',
  'lostReply',
  'dropWatch',
  'expireWatch',
  'conflict',
];

/** One open watch stream. */
interface OpenWatch {
  response: ServerResponse;
  stop: () => void;
}

/**
 * The Kubernetes REST API over a `FakeCluster`, on a real HTTPS (or HTTP) server, for the real
 * clients (`kubectl`, `@kubernetes/client-node`): discovery, CRUD, list with label and field
 * selectors and paging, watches with resourceVersions, bookmarks and 410 Gone, optimistic
 * concurrency, JSON/merge/strategic merge patches, CustomResourceDefinitions whose resources are
 * then served, bearer-token users, admission webhooks called over HTTPS, and seeded faults.
 * Every change lands in the cluster, so `cluster` stays the place to inspect state.
 */
export class FakeKubernetesServer {
  readonly #server: Server;
  readonly #cluster: FakeCluster;
  readonly #tls: TlsCertificates | null;
  readonly #usersByToken = new Map<string, FakeKubernetesUser>();
  readonly #tokensByUser = new Map<string, string>();
  readonly #sockets = new Set<Socket>();
  readonly #watches = new Set<OpenWatch>();
  readonly #bookmarkIntervalMs: number;
  readonly #maxWatchSeconds: number;
  readonly #faultRandom: SeededRandom;
  #faultRules: readonly KubernetesFaultRule[];
  readonly #admissionCalls: AdmissionCall[] = [];
  readonly #listCache = new Map<
    string,
    { resourceVersion: string; entries: { key: string; object: KubernetesObject }[] }
  >();
  #closed = false;

  /** `https://127.0.0.1:PORT` (or `http://…` without TLS). */
  readonly url: string;

  private constructor(
    server: Server,
    options: FakeKubernetesServerOptions,
    tls: TlsCertificates | null,
    url: string,
  ) {
    this.#server = server;
    this.#cluster = options.cluster;
    this.#tls = tls;
    this.url = url;
    this.#bookmarkIntervalMs = positive('bookmarkIntervalMs', options.bookmarkIntervalMs ?? 60_000);
    this.#maxWatchSeconds = positive('maxWatchSeconds', options.maxWatchSeconds ?? 1800);
    this.#faultRandom = new SeededRandom(options.seed ?? 1).fork('kubernetes-server-faults');
    this.#faultRules = validateFaults(options.faults ?? []);
    this.addUser('admin', { groups: ['system:masters'] });
  }

  /** Starts the server (and issues its certificates). Resolves once it listens. */
  static async start(options: FakeKubernetesServerOptions): Promise<FakeKubernetesServer> {
    validateFaults(options.faults ?? []);
    const host = options.host ?? '127.0.0.1';
    const tls =
      options.tls === false
        ? null
        : (options.tls ?? (await issueTlsCertificates({ hosts: [host, 'localhost'] })));
    let handler: (request: IncomingMessage, response: ServerResponse) => void = () => undefined;
    const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
      handler(request, response);
    };
    const server =
      tls === null
        ? createHttpServer(onRequest)
        : createHttpsServer(
            { key: tls.keyPem, cert: tls.certificatePem, minVersion: 'TLSv1.2' },
            onRequest,
          );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const instance = new FakeKubernetesServer(
      server,
      options,
      tls,
      `${tls === null ? 'http' : 'https'}://${hostPart}:${port}`,
    );
    options.cluster.retainChanges(options.watchHistory ?? 10_000);
    for (const namespace of options.namespaces ?? DEFAULT_NAMESPACES) {
      if (options.cluster.getObject(NAMESPACE_RESOURCE, null, namespace) === null) {
        await options.cluster.createObject(NAMESPACE_RESOURCE, namespaceManifest(namespace));
      }
    }
    server.on('connection', (socket: Socket) => {
      instance.#sockets.add(socket);
      socket.once('close', () => instance.#sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    handler = (request, response) => {
      void instance.#handle(request, response);
    };
    return instance;
  }

  /** The CA certificate (PEM) clients must trust; null without TLS. */
  get caPem(): string | null {
    return this.#tls?.caPem ?? null;
  }

  /**
   * Adds a user (or updates the groups of a known one) and returns its bearer token. Every user
   * is also in `system:authenticated`.
   */
  addUser(username: string, options: { groups?: readonly string[] } = {}): string {
    if (typeof username !== 'string' || username === '') {
      throw new AllocatorError('Invalid', 'FakeKubernetesServer.addUser: username is empty');
    }
    const groups = [...(options.groups ?? []), 'system:authenticated'].filter(
      (group, index, all) => all.indexOf(group) === index,
    );
    const existing = this.#tokensByUser.get(username);
    if (existing !== undefined) {
      if (options.groups !== undefined) this.#usersByToken.set(existing, { username, groups });
      return existing;
    }
    const token = randomBytes(24).toString('base64url');
    this.#usersByToken.set(token, { username, groups });
    this.#tokensByUser.set(username, token);
    return token;
  }

  /** A kubeconfig (YAML) for `username` (added when unknown), trusting the server's CA. */
  kubeconfig(username: string): string {
    return kubeconfigYaml({
      server: this.url,
      caPem: this.caPem,
      user: username,
      token: this.addUser(username),
    });
  }

  /** Replaces the injected faults (e.g. none, before checking a quiescent state). */
  setFaults(faults: readonly KubernetesFaultRule[]): void {
    this.#faultRules = validateFaults(faults);
  }

  /** Every admission webhook call made, in order (webhook, operation, outcome). */
  webhookCalls(): AdmissionCall[] {
    return this.#admissionCalls.map((call) => ({ ...call }));
  }

  /** Ends every watch and connection and stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const watch of [...this.#watches]) watch.stop();
    const closing = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    for (const socket of this.#sockets) socket.destroy();
    await closing;
  }

  // ---------------------------------------------------------------- request handling

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply: Reply = { response, lost: false };
    try {
      const url = new URL(request.url ?? '/', 'http://fake');
      if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
        response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      }
      const user = this.#authenticate(request);
      const segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map((s) => {
          try {
            return decodeURIComponent(s);
          } catch {
            throw badRequest(`the path segment ${JSON.stringify(s)} is not valid percent-encoding`);
          }
        });
      await this.#route(request, reply, url, segments, user);
    } catch (error) {
      const failure = statusOf(error);
      if (failure.code >= 500 && !(error instanceof KubernetesStatusFailure)) {
        // An unexpected error is a server bug: keep serving, but say what happened.
        process.emitWarning(`FakeKubernetesServer: ${failure.message}`);
      }
      send(reply, failure.code, failure.toStatus(), failure.headers);
    }
  }

  #authenticate(request: IncomingMessage): FakeKubernetesUser {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match === null ? undefined : this.#usersByToken.get(match[1] ?? '');
    if (user === undefined) {
      throw new KubernetesStatusFailure(401, 'Unauthorized', 'Unauthorized');
    }
    return user;
  }

  async #route(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    segments: string[],
    user: FakeKubernetesUser,
  ): Promise<void> {
    const [root] = segments;
    if (root === 'version' && segments.length === 1) {
      send(reply, 200, {
        ...KUBERNETES_VERSION,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return;
    }
    const catalog = this.#catalog();
    if (root === 'openapi' && segments[1] === 'v3') {
      const document =
        segments.length === 2
          ? openApiV3Root(catalog)
          : segments[2] === 'api'
            ? openApiV3GroupVersion(catalog, '', segments[3] ?? '')
            : openApiV3GroupVersion(catalog, segments[3] ?? '', segments[4] ?? '');
      if (document === null) throw notFoundPath();
      send(reply, 200, document);
      return;
    }
    if (root === 'api' && segments.length === 1) {
      send(reply, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: new URL(this.url).host },
        ],
      });
      return;
    }
    if (root === 'apis' && segments.length === 1) {
      send(reply, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(catalog) });
      return;
    }
    if (root === 'apis' && segments.length === 2) {
      const group = groupsOf(catalog).find((g) => g.name === segments[1]);
      if (group === undefined) throw notFoundPath();
      send(reply, 200, { kind: 'APIGroup', apiVersion: 'v1', ...group });
      return;
    }
    let group: string;
    let rest: string[];
    if (root === 'api') {
      group = '';
      rest = segments.slice(1);
    } else if (root === 'apis') {
      group = segments[1] ?? '';
      rest = segments.slice(2);
    } else {
      throw notFoundPath();
    }
    const [version, ...path] = rest;
    if (version === undefined) throw notFoundPath();
    const inVersion = catalog.filter((r) => r.group === group && r.versions.includes(version));
    if (inVersion.length === 0) throw notFoundPath();
    if (path.length === 0) {
      send(reply, 200, resourceList(group, version, inVersion));
      return;
    }
    const target = parseResourcePath(path, inVersion, version);
    const verb = verbOf(request.method ?? 'GET', target, url);
    await this.#applyFaults(reply, verb, target.resource.resource);
    switch (verb) {
      case 'get':
        this.#get(request, reply, target);
        return;
      case 'list':
        this.#list(request, reply, url, target);
        return;
      case 'watch':
        this.#watch(request, reply, url, target);
        return;
      case 'create':
        return this.#create(request, reply, url, target, user);
      case 'update':
        return this.#update(request, reply, url, target, user);
      case 'patch':
        return this.#patch(request, reply, url, target, user);
      case 'delete':
        return this.#delete(request, reply, url, target, user);
      case 'deletecollection':
        return this.#deleteCollection(request, reply, url, target, user);
    }
  }

  /** Built-in resources and those of every CRD, built-ins first. */
  #catalog(): ServedResource[] {
    const custom = this.#cluster
      .listObjects(CRD_RESOURCE, { shared: true })
      .map(resourceOfCrd)
      .filter((r): r is ServedResource => r !== null)
      .filter(
        (r) => !BUILT_IN_RESOURCES.some((b) => b.group === r.group && b.resource === r.resource),
      );
    return [...BUILT_IN_RESOURCES, ...custom];
  }

  async #applyFaults(reply: Reply, verb: KubernetesVerb, resource: string): Promise<void> {
    for (const rule of this.#faultRules) {
      if (rule.verb !== undefined && rule.verb !== '*' && rule.verb !== verb) continue;
      if (rule.resource !== undefined && rule.resource !== '*' && rule.resource !== resource)
        continue;
      if ((rule.fault === 'dropWatch' || rule.fault === 'expireWatch') && verb !== 'watch')
        continue;
      if (rule.fault === 'conflict' && verb !== 'update' && verb !== 'patch') continue;
      if (!(this.#faultRandom.next() < rule.rate)) continue;
      switch (rule.fault) {
        case 'throttle': {
          const seconds = rule.retryAfterSeconds ?? 1;
          throw new KubernetesStatusFailure(
            429,
            'TooManyRequests',
            'Too many requests, please try again later.',
            { retryAfterSeconds: seconds },
            { 'Retry-After': String(seconds) },
          );
        }
        case 'error': {
          const status = rule.status ?? 500;
          throw new KubernetesStatusFailure(
            status,
            status === 503 ? 'ServiceUnavailable' : status === 504 ? 'Timeout' : 'InternalError',
            `injected ${status} failure`,
          );
        }
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, rule.delayMs ?? 1000));
          break;
        case 'lostReply':
          reply.lost = true;
          break;
        case 'dropWatch':
          reply.dropAfterMs = this.#faultRandom.next() * (rule.delayMs ?? 1000);
          break;
        case 'expireWatch':
          reply.expireAfterMs = this.#faultRandom.next() * (rule.delayMs ?? 1000);
          break;
        case 'conflict':
          throw new KubernetesStatusFailure(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${resource}: the object has been modified; please apply your changes to the latest version and try again (injected)`,
            { kind: resource },
          );
      }
    }
  }

  // ---------------------------------------------------------------- verbs

  #get(request: IncomingMessage, reply: Reply, target: ResourceRequest): void {
    const object = this.#cluster.getObject(
      stored(target.resource),
      target.namespace,
      target.name ?? '',
    );
    if (object === null) throw notFound(target);
    const rendered = render(object, target);
    send(
      reply,
      200,
      wantsTable(request.headers.accept)
        ? toTable(
            target.resource,
            target.version,
            [rendered],
            {
              resourceVersion: stringAt(objectAt(rendered, 'metadata'), 'resourceVersion') ?? '',
            },
            this.#cluster.now(),
          )
        : rendered,
    );
  }

  #list(request: IncomingMessage, reply: Reply, url: URL, target: ResourceRequest): void {
    const query = url.searchParams;
    const filter = this.#filterOf(query, target);
    const limit = integerParameter(query, 'limit') ?? 0;
    this.#checkListResourceVersion(query);
    let after = '';
    let resourceVersion = this.#cluster.resourceVersion;
    const token = query.get('continue');
    if (token !== null && token !== '') {
      const position = decodeContinue(token);
      if (this.#cluster.changesSince(position.resourceVersion) === null) {
        throw new KubernetesStatusFailure(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      after = position.after;
      resourceVersion = String(position.resourceVersion);
    }
    const sorted = this.#sortedObjects(target.resource);
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle]?.key ?? '') <= after) low = middle + 1;
      else high = middle;
    }
    const page: { key: string; object: KubernetesObject }[] = [];
    let remaining = 0;
    for (let index = low; index < sorted.length; index++) {
      const entry = sorted[index] as { key: string; object: KubernetesObject };
      if (!filter(entry.object)) continue;
      if (limit === 0 || page.length < limit) page.push(entry);
      else remaining++;
    }
    const metadata: KubernetesObject = { resourceVersion };
    if (remaining > 0) {
      const last = page[page.length - 1]?.key ?? '';
      metadata['continue'] = encodeContinue(Number(resourceVersion), last);
      metadata['remainingItemCount'] = remaining;
    }
    const items = page.map((entry) => withType(entry.object, target)); // already converted
    if (wantsTable(request.headers.accept)) {
      send(
        reply,
        200,
        toTable(target.resource, target.version, items, metadata, this.#cluster.now()),
      );
      return;
    }
    send(reply, 200, {
      kind: `${target.resource.kind}List`,
      apiVersion: apiVersionOf(target.resource.group, target.version),
      metadata,
      items,
    });
  }

  #watch(request: IncomingMessage, reply: Reply, url: URL, target: ResourceRequest): void {
    const query = url.searchParams;
    const filter = this.#filterOf(query, target);
    const timeoutSeconds = Math.min(
      integerParameter(query, 'timeoutSeconds') ?? this.#maxWatchSeconds,
      this.#maxWatchSeconds,
    );
    const bookmarks = booleanParameter(query, 'allowWatchBookmarks');
    const sendInitialEvents = booleanParameter(query, 'sendInitialEvents');
    const table = wantsTable(request.headers.accept);
    const resourceVersion = query.get('resourceVersion') ?? '';
    if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
      throw badRequest(
        `resourceVersion ${JSON.stringify(resourceVersion)} is not a valid resource version`,
      );
    }
    const replay =
      resourceVersion === '' || resourceVersion === '0' || sendInitialEvents
        ? null
        : this.#cluster.changesSince(Number(resourceVersion));
    const response = reply.response;
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
    });
    response.flushHeaders();
    const apiVersion = apiVersionOf(target.resource.group, target.version);
    const write = (type: string, object: KubernetesObject): void => {
      const rendered =
        type === 'BOOKMARK' || type === 'ERROR'
          ? object
          : table
            ? toTable(
                target.resource,
                target.version,
                [render(object, target)],
                {
                  resourceVersion: stringAt(objectAt(object, 'metadata'), 'resourceVersion') ?? '',
                },
                this.#cluster.now(),
              )
            : render(object, target);
      response.write(`${JSON.stringify({ type, object: rendered })}\n`);
      // A client that does not read is dropped, as the API server drops a watcher that lags.
      if (response.writableLength > MAX_WATCH_BACKLOG_BYTES) {
        response.socket?.destroy();
        watch.stop();
      }
    };
    const bookmark = (annotations?: Record<string, string>): void => {
      write('BOOKMARK', {
        kind: target.resource.kind,
        apiVersion,
        metadata: {
          resourceVersion: this.#cluster.resourceVersion,
          ...(annotations === undefined ? {} : { annotations }),
        },
      });
    };
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = (): void => undefined;
    const watch: OpenWatch = {
      response,
      stop: () => {
        unsubscribe();
        for (const timer of timers) clearTimeout(timer);
        this.#watches.delete(watch);
        if (!response.writableEnded) response.end();
      },
    };
    this.#watches.add(watch);
    response.once('close', watch.stop);
    response.on('error', watch.stop); // a broken connection ends the watch, never the process
    const key = storageKey(target.resource);
    const deliver = (change: FakeClusterObjectChange): void => {
      if (change.resource !== key) return;
      if (target.namespace !== null && namespaceOf(change.object) !== target.namespace) return;
      const convert =
        target.resource.storage?.fromStorage ?? ((object: KubernetesObject) => object);
      const now = filter(convert(change.object));
      const before = change.previous !== null && filter(convert(change.previous));
      if (change.type === 'MODIFIED') {
        if (now && (before || change.previous === null)) write('MODIFIED', change.object);
        else if (now) write('ADDED', change.object);
        else if (before) write('DELETED', change.object);
      } else if (now) write(change.type, change.object);
    };
    if (
      replay === null &&
      resourceVersion !== '' &&
      resourceVersion !== '0' &&
      !sendInitialEvents
    ) {
      write('ERROR', expiredStatus(resourceVersion, this.#cluster.resourceVersion));
      watch.stop();
      return;
    }
    if (replay === null) {
      for (const object of this.#cluster.listObjects(stored(target.resource), { shared: true })) {
        if (target.namespace !== null && namespaceOf(object) !== target.namespace) continue;
        if (filter(render(object, target))) write('ADDED', object);
      }
      if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      for (const change of replay) deliver(change);
    }
    unsubscribe = this.#cluster.onObjectChange(deliver);
    timers.push(setTimeout(watch.stop, timeoutSeconds * 1000));
    if (bookmarks) {
      const tick = (): void => {
        bookmark();
        timers.push(setTimeout(tick, this.#bookmarkIntervalMs));
      };
      timers.push(setTimeout(tick, this.#bookmarkIntervalMs));
    }
    if (reply.expireAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          write(
            'ERROR',
            expiredStatus(
              resourceVersion === '' ? '0' : resourceVersion,
              this.#cluster.resourceVersion,
            ),
          );
          watch.stop();
        }, reply.expireAfterMs),
      );
    }
    if (reply.dropAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          // Cut mid-stream, without the chunked encoding's end: clients see a broken watch.
          response.socket?.destroy();
          watch.stop();
        }, reply.dropAfterMs),
      );
    }
  }

  async #create(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    target: ResourceRequest,
    user: FakeKubernetesUser,
  ): Promise<void> {
    rejectDryRun(url);
    if (target.resource.namespaced && target.namespace === null) {
      throw new KubernetesStatusFailure(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    }
    let object = checkKind(await readObject(request), target);
    const metadata = { ...objectAt(object, 'metadata') };
    object['metadata'] = metadata;
    if (target.resource.namespaced) {
      const given = stringAt(metadata, 'namespace');
      if (given !== undefined && given !== '' && given !== target.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      metadata['namespace'] = target.namespace;
      if (this.#cluster.getObject(NAMESPACE_RESOURCE, null, target.namespace ?? '') === null) {
        throw new KubernetesStatusFailure(
          404,
          'NotFound',
          `namespaces "${target.namespace ?? ''}" not found`,
          { name: target.namespace ?? '', kind: 'namespaces' },
        );
      }
    } else {
      Reflect.deleteProperty(metadata, 'namespace');
    }
    object = this.#prepareForStorage(object, target, null);
    object = await this.#admit(target, 'CREATE', object, null, user);
    const created = await this.#model(target, () =>
      this.#cluster.createObject(stored(target.resource), toStored(object, target), {
        username: user.username,
      }),
    );
    send(reply, 201, render(created, target));
  }

  async #update(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    target: ResourceRequest,
    user: FakeKubernetesUser,
  ): Promise<void> {
    rejectDryRun(url);
    let object = checkKind(await readObject(request), target);
    const metadata = { ...objectAt(object, 'metadata') };
    object['metadata'] = metadata;
    const name = stringAt(metadata, 'name');
    if (name !== undefined && name !== target.name) {
      throw badRequest(
        `the name of the object (${name}) does not match the name on the URL (${target.name ?? ''})`,
      );
    }
    metadata['name'] = target.name;
    if (target.resource.namespaced) {
      const given = stringAt(metadata, 'namespace');
      if (given !== undefined && given !== '' && given !== target.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      metadata['namespace'] = target.namespace;
    }
    const current = this.#cluster.getObject(
      stored(target.resource),
      target.namespace,
      target.name ?? '',
    );
    if (current === null) throw notFound(target);
    object = this.#prepareForStorage(object, target, current);
    object = await this.#admit(target, 'UPDATE', object, render(current, target), user);
    const updated = await this.#model(target, () =>
      this.#cluster.replaceObject(stored(target.resource), toStored(object, target), {
        username: user.username,
        ...(target.subresource === null ? {} : { subresource: target.subresource }),
      }),
    );
    send(reply, 200, render(updated, target));
  }

  async #patch(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    target: ResourceRequest,
    user: FakeKubernetesUser,
  ): Promise<void> {
    rejectDryRun(url);
    const type = patchTypeOf(request.headers['content-type']);
    if (type === 'strategic' && !target.resource.strategicMerge) {
      throw new KubernetesStatusFailure(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    const patch = await readJson(request);
    for (let attempt = 1; ; attempt++) {
      const current = this.#cluster.getObject(
        stored(target.resource),
        target.namespace,
        target.name ?? '',
      );
      if (current === null) throw notFound(target);
      const currentVersion = stringAt(objectAt(current, 'metadata'), 'resourceVersion');
      let patched = applyPatch(render(current, target), patch, type);
      const metadata = { ...objectAt(patched, 'metadata') };
      patched['metadata'] = metadata;
      if (
        stringAt(metadata, 'name') !== target.name ||
        (target.resource.namespaced && stringAt(metadata, 'namespace') !== target.namespace)
      ) {
        throw new KubernetesStatusFailure(
          422,
          'Invalid',
          `${target.resource.kind} "${target.name ?? ''}" is invalid: metadata.name: Invalid value: the patch may not change the name or namespace`,
          {
            name: target.name ?? '',
            kind: target.resource.kind,
            causes: [
              {
                reason: 'FieldValueInvalid',
                message: 'the patch may not change the name or namespace',
                field: 'metadata.name',
              },
            ],
          },
        );
      }
      // A patch that names no resourceVersion applies to whatever is current: a race retries it.
      const pinned = metadata['resourceVersion'] !== currentVersion;
      if (!pinned) metadata['resourceVersion'] = currentVersion;
      patched = this.#prepareForStorage(patched, target, current);
      patched = await this.#admit(target, 'UPDATE', patched, render(current, target), user);
      const storedPatch = toStored(patched, target);
      try {
        const updated = await this.#model(target, () =>
          this.#cluster.replaceObject(stored(target.resource), storedPatch, {
            username: user.username,
            ...(target.subresource === null ? {} : { subresource: target.subresource }),
          }),
        );
        send(reply, 200, render(updated, target));
        return;
      } catch (error) {
        const failure = statusOf(error);
        if (pinned || failure.reason !== 'Conflict' || attempt >= 5) throw failure;
      }
    }
  }

  async #delete(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    target: ResourceRequest,
    user: FakeKubernetesUser,
  ): Promise<void> {
    rejectDryRun(url);
    const options = await readDeleteOptions(request, url);
    const current = this.#cluster.getObject(
      stored(target.resource),
      target.namespace,
      target.name ?? '',
    );
    if (current === null) throw notFound(target);
    await this.#admit(target, 'DELETE', null, render(current, target), user);
    const deleted = await this.#model(target, () =>
      this.#cluster.deleteObject(
        stored(target.resource),
        target.namespace,
        target.name ?? '',
        options,
      ),
    );
    if (target.resource === CRD_RESOURCE) this.#deleteCustomObjects(current);
    if (target.resource === NAMESPACE_RESOURCE) this.#deleteNamespaceContents(target.name ?? '');
    send(reply, 200, render(deleted, target));
  }

  async #deleteCollection(
    request: IncomingMessage,
    reply: Reply,
    url: URL,
    target: ResourceRequest,
    user: FakeKubernetesUser,
  ): Promise<void> {
    rejectDryRun(url);
    const options = await readDeleteOptions(request, url);
    const filter = this.#filterOf(url.searchParams, target);
    const deleted: KubernetesObject[] = [];
    const objects = this.#cluster.listObjects(stored(target.resource));
    for (const object of objects.filter((o) => filter(render(o, target)))) {
      const name = stringAt(objectAt(object, 'metadata'), 'name') ?? '';
      const one: ResourceRequest = { ...target, name };
      await this.#admit(one, 'DELETE', null, render(object, target), user);
      deleted.push(
        render(
          await this.#model(one, () =>
            this.#cluster.deleteObject(stored(target.resource), namespaceOf(object), name, {
              ...(options.gracePeriodSeconds === undefined
                ? {}
                : { gracePeriodSeconds: options.gracePeriodSeconds }),
            }),
          ),
          target,
        ),
      );
    }
    send(reply, 200, {
      kind: `${target.resource.kind}List`,
      apiVersion: apiVersionOf(target.resource.group, target.version),
      metadata: { resourceVersion: this.#cluster.resourceVersion },
      items: deleted,
    });
  }

  // ---------------------------------------------------------------- helpers

  /** Runs a model call and turns its errors into the API server's Status. */
  async #model<T>(target: ResourceRequest, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw statusOf(error, {
        ...(target.name === null ? {} : { name: target.name }),
        group: target.resource.group,
        resource: target.resource.resource,
        kind: target.resource.kind,
      });
    }
  }

  /**
   * What the API server does before storing: CRDs validated and established, webhook
   * configurations validated, namespaces active, status subresources respected.
   */
  #prepareForStorage(
    object: KubernetesObject,
    target: ResourceRequest,
    current: KubernetesObject | null,
  ): KubernetesObject {
    const resource = target.resource;
    const name = stringAt(objectAt(object, 'metadata'), 'name') ?? '';
    const refuse = (problems: { field: string; message: string }[]): void => {
      if (problems.length === 0) return;
      throw new KubernetesStatusFailure(
        422,
        'Invalid',
        `${resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`} "${name}" is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join(', ')}`,
        {
          name,
          group: resource.group,
          kind: resource.kind,
          causes: problems.map((p) => ({
            reason: 'FieldValueInvalid',
            message: p.message,
            field: p.field,
          })),
        },
      );
    };
    if (target.subresource === 'status') return object;
    refuse(objectProblems(object, resource.kind));
    if (resource === CRD_RESOURCE) {
      refuse(crdProblems(object));
      const names = objectAt(object, 'spec')?.['names'];
      const versions = objectAt(object, 'spec')?.['versions'];
      object['status'] = {
        conditions: [
          {
            type: 'NamesAccepted',
            status: 'True',
            reason: 'NoConflicts',
            message: 'no conflicts found',
            lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
          {
            type: 'Established',
            status: 'True',
            reason: 'InitialNamesAccepted',
            message: 'the initial names have been accepted',
            lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        ],
        acceptedNames: names ?? {},
        storedVersions: Array.isArray(versions)
          ? versions
              .filter((v) => isJsonObject(v) && v['storage'] === true)
              .map((v) => (v as KubernetesObject)['name'])
          : [],
      };
    } else if (resource.group === 'admissionregistration.k8s.io') {
      refuse(webhookConfigurationProblems(object, resource.kind));
    } else if (resource === NAMESPACE_RESOURCE) {
      object['spec'] = { finalizers: ['kubernetes'] };
      object['status'] = { phase: 'Active' };
      const metadata = objectAt(object, 'metadata') ?? {};
      metadata['labels'] = {
        ...stringMapAt(metadata, 'labels'),
        'kubernetes.io/metadata.name': name,
      };
    } else if (resource.subresources.includes('status') && resource.group !== '') {
      // With a status subresource the main resource ignores status, as the API server does.
      if (current === null) Reflect.deleteProperty(object, 'status');
      else if (current['status'] === undefined) Reflect.deleteProperty(object, 'status');
      else object['status'] = structuredClone(current['status']);
    }
    return object;
  }

  async #admit(
    target: ResourceRequest,
    operation: 'CREATE' | 'UPDATE' | 'DELETE',
    object: KubernetesObject | null,
    oldObject: KubernetesObject | null,
    user: FakeKubernetesUser,
  ): Promise<KubernetesObject> {
    const webhookGroup = 'admissionregistration.k8s.io';
    const configurations = {
      mutating: this.#cluster.listObjects({
        group: webhookGroup,
        resource: 'mutatingwebhookconfigurations',
        kind: 'MutatingWebhookConfiguration',
        namespaced: false,
      }),
      validating: this.#cluster.listObjects({
        group: webhookGroup,
        resource: 'validatingwebhookconfigurations',
        kind: 'ValidatingWebhookConfiguration',
        namespaced: false,
      }),
    };
    if (
      target.resource.group === webhookGroup ||
      (configurations.mutating.length === 0 && configurations.validating.length === 0)
    ) {
      return object ?? oldObject ?? {};
    }
    const namespace = target.namespace;
    return runAdmission({
      configurations,
      namespaceLabels: (ns) => {
        const found = this.#cluster.getObject(NAMESPACE_RESOURCE, null, ns);
        return found === null ? null : stringMapAt(objectAt(found, 'metadata'), 'labels');
      },
      resource: target.resource,
      version: target.version,
      subresource: target.subresource,
      operation,
      object,
      oldObject,
      namespace,
      name: target.name ?? stringAt(objectAt(object, 'metadata'), 'name') ?? '',
      user,
      record: (call) => this.#admissionCalls.push(call),
    });
  }

  /** What the namespace controller does: every object in a deleted namespace goes with it. */
  #deleteNamespaceContents(namespace: string): void {
    for (const resource of this.#catalog()) {
      if (!resource.namespaced || resource.storage !== undefined) continue;
      for (const object of this.#cluster.listObjects(resource)) {
        if (namespaceOf(object) !== namespace) continue;
        void this.#cluster
          .deleteObject(resource, namespace, stringAt(objectAt(object, 'metadata'), 'name') ?? '')
          .catch(() => undefined); // already gone
      }
    }
  }

  #deleteCustomObjects(crd: KubernetesObject): void {
    const resource = resourceOfCrd(crd);
    if (resource === null) return;
    for (const object of this.#cluster.listObjects(resource)) {
      void this.#cluster
        .deleteObject(
          resource,
          namespaceOf(object),
          stringAt(objectAt(object, 'metadata'), 'name') ?? '',
        )
        .catch(() => undefined);
    }
  }

  /** The stored objects of a resource in key order; reused while the cluster does not change. */
  #sortedObjects(resource: ServedResource): { key: string; object: KubernetesObject }[] {
    const cacheKey = `${resource.group}/${resource.resource}`;
    const cached = this.#listCache.get(cacheKey);
    if (cached?.resourceVersion === this.#cluster.resourceVersion) return cached.entries;
    const convert = resource.storage?.fromStorage ?? ((object: KubernetesObject) => object);
    const entries = this.#cluster
      .listObjects(stored(resource), { shared: true })
      .map((object) => ({ key: objectKey(object), object: convert(object) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#listCache.set(cacheKey, { resourceVersion: this.#cluster.resourceVersion, entries });
    return entries;
  }

  #filterOf(query: URLSearchParams, target: ResourceRequest): ObjectFilter {
    const filters: ObjectFilter[] = [];
    if (target.namespace !== null && target.resource.namespaced) {
      const namespace = target.namespace;
      filters.push((o) => namespaceOf(o) === namespace);
    }
    const labels = query.get('labelSelector');
    if (labels !== null && labels !== '') filters.push(parseLabelSelector(labels));
    const fields = query.get('fieldSelector');
    if (fields !== null && fields !== '') {
      filters.push(
        parseFieldSelector(fields, {
          'metadata.name': (o) => stringAt(objectAt(o, 'metadata'), 'name') ?? '',
          'metadata.namespace': (o) => namespaceOf(o) ?? '',
          ...target.resource.fields,
        }),
      );
    }
    return (object) => filters.every((f) => f(object));
  }

  #checkListResourceVersion(query: URLSearchParams): void {
    const match = query.get('resourceVersionMatch');
    const resourceVersion = query.get('resourceVersion');
    if (match !== null && match !== '') {
      if (match !== 'NotOlderThan' && match !== 'Exact') {
        throw new KubernetesStatusFailure(
          422,
          'Invalid',
          `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan"`,
          {
            kind: 'ListOptions',
            group: 'meta.k8s.io',
            causes: [
              {
                reason: 'FieldValueNotSupported',
                message: `Unsupported value: ${JSON.stringify(match)}`,
                field: 'resourceVersionMatch',
              },
            ],
          },
        );
      }
      if (resourceVersion === null || resourceVersion === '') {
        throw new KubernetesStatusFailure(
          422,
          'Invalid',
          'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
          {
            kind: 'ListOptions',
            group: 'meta.k8s.io',
            causes: [
              {
                reason: 'FieldValueForbidden',
                message: 'resourceVersionMatch is forbidden unless resourceVersion is provided',
                field: 'resourceVersionMatch',
              },
            ],
          },
        );
      }
    }
    if (resourceVersion === null || resourceVersion === '' || resourceVersion === '0') return;
    if (!/^\d+$/.test(resourceVersion)) {
      throw badRequest(
        `resourceVersion ${JSON.stringify(resourceVersion)} is not a valid resource version`,
      );
    }
    const current = Number(this.#cluster.resourceVersion);
    if (Number(resourceVersion) > current) {
      throw new KubernetesStatusFailure(
        504,
        'Timeout',
        `Too large resource version: ${resourceVersion}, current: ${current}`,
        { retryAfterSeconds: 1 },
        { 'Retry-After': '1' },
      );
    }
    if (match === 'Exact' && Number(resourceVersion) !== current) {
      throw new KubernetesStatusFailure(
        410,
        'Expired',
        `too old resource version: ${resourceVersion} (${current}); this server serves exact lists at the current resourceVersion only`,
      );
    }
  }
}

/** A response in flight, with the faults that apply to it. */
interface Reply {
  response: ServerResponse;
  /** Cut the connection instead of answering (the change took effect). */
  lost: boolean;
  /** Cut this watch after so many ms. */
  dropAfterMs?: number;
  /** End this watch with a 410 Expired event after so many ms. */
  expireAfterMs?: number;
}

function send(
  reply: Reply,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const response = reply.response;
  if (reply.lost) {
    response.socket?.destroy();
    return;
  }
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Audit-Id': randomUUID(),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  response.end(text);
}

/** The watch event body that tells a client its resourceVersion is gone: relist. */
function expiredStatus(resourceVersion: string, current: string): KubernetesObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${resourceVersion} (${current})`,
    reason: 'Expired',
    code: 410,
  };
}

function notFound(target: ResourceRequest): KubernetesStatusFailure {
  const qualified =
    target.resource.group === ''
      ? target.resource.resource
      : `${target.resource.resource}.${target.resource.group}`;
  return new KubernetesStatusFailure(
    404,
    'NotFound',
    `${qualified} "${target.name ?? ''}" not found`,
    {
      name: target.name ?? '',
      group: target.resource.group,
      kind: target.resource.resource,
    },
  );
}

/** The resource whose store holds `resource`'s objects (itself, but for events.k8s.io). */
function stored(resource: ServedResource): FakeResource {
  return resource.storage?.resource ?? resource;
}

function storageKey(resource: ServedResource): string {
  const store = stored(resource);
  return store.group === '' ? store.resource : `${store.group}/${store.resource}`;
}

/** A request's object as its store keeps it. */
function toStored(object: KubernetesObject, target: ResourceRequest): KubernetesObject {
  return target.resource.storage?.toStorage(object) ?? object;
}

/** A stored object as the request's group version shows it. */
function render(object: KubernetesObject, target: ResourceRequest): KubernetesObject {
  return withType(target.resource.storage?.fromStorage(object) ?? object, target);
}

/** The object with the request's apiVersion and kind. */
function withType(object: KubernetesObject, target: ResourceRequest): KubernetesObject {
  return {
    ...object,
    apiVersion: apiVersionOf(target.resource.group, target.version),
    kind: target.resource.kind,
  };
}

function namespaceOf(object: KubernetesObject): string | null {
  return stringAt(objectAt(object, 'metadata'), 'namespace') ?? null;
}

function objectKey(object: KubernetesObject): string {
  const metadata = objectAt(object, 'metadata');
  return `${stringAt(metadata, 'namespace') ?? ''}/${stringAt(metadata, 'name') ?? ''}`;
}

function namespaceManifest(name: string): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function encodeContinue(resourceVersion: number, after: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start: after }),
  ).toString('base64url');
}

function decodeContinue(token: string): { resourceVersion: number; after: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      isJsonObject(decoded) &&
      typeof decoded['rv'] === 'number' &&
      typeof decoded['start'] === 'string'
    ) {
      return { resourceVersion: decoded['rv'], after: decoded['start'] };
    }
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: the token was not issued by this server');
}

function rejectDryRun(url: URL): void {
  if (url.searchParams.getAll('dryRun').some((v) => v !== '')) {
    throw badRequest('dryRun is not supported by this emulator');
  }
}

/** Defaults `apiVersion` and `kind` from the URL; refuses a body of another type. */
function checkKind(object: KubernetesObject, target: ResourceRequest): KubernetesObject {
  const apiVersion = apiVersionOf(target.resource.group, target.version);
  const given = object['apiVersion'];
  const kind = object['kind'];
  if (
    given !== undefined &&
    given !== apiVersion &&
    !target.resource.versions.some((v) => apiVersionOf(target.resource.group, v) === given)
  ) {
    throw badRequest(
      `the API version in the data (${JSON.stringify(given)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (kind !== undefined && kind !== target.resource.kind) {
    throw badRequest(
      `the kind in the data (${JSON.stringify(kind)}) does not match the expected kind (${target.resource.kind})`,
    );
  }
  return { ...object, apiVersion, kind: target.resource.kind };
}

function validateFaults(faults: readonly KubernetesFaultRule[]): readonly KubernetesFaultRule[] {
  faults.forEach((rule, index) => {
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new AllocatorError(
        'Invalid',
        `FakeKubernetesServer option faults[${index}].rate: ${rule.rate} is not a probability`,
      );
    }
    if (!FAULTS.includes(rule.fault)) {
      throw new AllocatorError(
        'Invalid',
        `FakeKubernetesServer option faults[${index}].fault: '${rule.fault as string}' is unknown`,
      );
    }
  });
  return faults.map((rule) => ({ ...rule }));
}

function positive(field: string, value: number): number {
  if (!(value > 0))
    throw new AllocatorError(
      'Invalid',
      `FakeKubernetesServer option ${field}: ${value} must be > 0`,
    );
  return value;
}
