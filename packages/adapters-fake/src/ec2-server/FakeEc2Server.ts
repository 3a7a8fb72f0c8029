import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AllocatorError } from '@podsg/allocator';
import { SeededRandom } from '../services/SeededRandom.js';
import type { FakeEc2 } from '../services/FakeEc2.js';
import type { Ec2ActionContext, Ec2ActionHandler } from './Ec2ActionHandler.js';
import { NETWORK_INTERFACE_ACTIONS } from './networkInterfaceActions.js';
import { QueryParams } from './QueryParams.js';
import { renderEc2Error, renderEc2Response } from './renderXml.js';
import { SECURITY_GROUP_ACTIONS } from './securityGroupActions.js';
import { verifySigV4 } from './verifySigV4.js';
import type { Ec2Credentials } from './verifySigV4.js';

/** The API version the front speaks. */
export const EC2_API_VERSION = '2016-11-15';

const ACTIONS: Readonly<Record<string, Ec2ActionHandler>> = {
  ...NETWORK_INTERFACE_ACTIONS,
  ...SECURITY_GROUP_ACTIONS,
};

/** The actions that need an account allowlisted for trunking. */
const TRUNK_ACTIONS = new Set([
  'AssociateTrunkInterface',
  'DisassociateTrunkInterface',
  'DescribeTrunkInterfaceAssociations',
]);

/**
 * A fault of the HTTP front, drawn per request from the seeded source:
 * - `throttle`: `RequestLimitExceeded` (503) before the action runs;
 * - `error`: `code` (default `InternalError`, 500; `ServiceUnavailable`/`Unavailable` are 503)
 *   before the action runs;
 * - `slow`: the action runs after `delayMs` (default 1000) of wall time;
 * - `drop`: the connection is cut before the action runs;
 * - `lostReply`: the action runs (its change takes effect), then the connection is cut.
 * The model's own faults (`FakeEc2` option `faults`, also after the change took effect) come
 * through as EC2 errors too.
 */
export interface Ec2ServerFaultRule {
  /** An action name (`CreateNetworkInterface`) or `*`. */
  action: string;
  /** Probability in [0, 1]. */
  rate: number;
  effect: 'throttle' | 'error' | 'slow' | 'drop' | 'lostReply';
  code?: string;
  delayMs?: number;
}

/** Who may do what: the identity the credentials stand for. */
export interface Ec2ServerPermissions {
  /** Actions refused with `UnauthorizedOperation` (`AssociateTrunkInterface` or `ec2:…`). */
  deny?: readonly string[];
  /**
   * False models an account not allowlisted for trunking: AssociateTrunkInterface,
   * DisassociateTrunkInterface, DescribeTrunkInterfaceAssociations and CreateNetworkInterface
   * with InterfaceType trunk or branch are refused with `OperationNotPermitted`, also under
   * DryRun. Default true.
   */
  trunkingAllowed?: boolean;
}

/** Options of `FakeEc2Server.start`. */
export interface FakeEc2ServerOptions {
  /** The model the front serves. */
  ec2: FakeEc2;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** The keys requests must be signed with; default a fixed test pair. */
  credentials?: Ec2Credentials;
  /** The region of the credential scope; default `us-west-2`. */
  region?: string;
  faults?: readonly Ec2ServerFaultRule[];
  /** Seed of the fault draws; default 1. */
  seed?: number;
  permissions?: Ec2ServerPermissions;
  /** Largest request body accepted; default 1 MiB. */
  maxBodyBytes?: number;
}

/** One request the server answered, for assertions. */
export interface Ec2ServerRequest {
  action: string;
  status: number;
  code?: string;
  dryRun: boolean;
}

const DEFAULT_CREDENTIALS: Ec2Credentials = {
  accessKeyId: 'AKIAPODSGEMULATOR001',
  secretAccessKey: 'podsg-emulator-secret-access-key-0000001',
};

/** HTTP status EC2 answers an error code with. */
export function statusOfEc2Code(code: string): number {
  switch (code) {
    case 'AuthFailure':
    case 'MissingAuthenticationToken':
      return 401;
    case 'UnauthorizedOperation':
    case 'SignatureDoesNotMatch':
    case 'OptInRequired':
      return 403;
    case 'DryRunOperation':
      return 412;
    case 'InternalError':
    case 'InternalFailure':
      return 500;
    case 'RequestLimitExceeded':
    case 'ServiceUnavailable':
    case 'Unavailable':
      return 503;
    default:
      return 400;
  }
}

/**
 * A real HTTP server speaking EC2's Query protocol (API version 2016-11-15) over a `FakeEc2`,
 * for the AWS SDK and the AWS CLI: form-encoded POST (or GET) requests signed with AWS
 * Signature V4 and verified against `credentials`; XML responses in EC2's namespace with a
 * `requestId`; EC2's error envelope and HTTP statuses; `MaxResults`/`NextToken` paging; EC2's
 * filter names; `DryRun`; a permission model (denied actions, an account not allowlisted for
 * trunking); seeded faults. Every refusal is EC2's answer, never a crash.
 */
export class FakeEc2Server {
  /** `http://host:port`, for `--endpoint-url` or the SDK's `endpoint`. */
  readonly url: string;
  readonly region: string;
  readonly credentials: Ec2Credentials;
  #faults: readonly Ec2ServerFaultRule[];
  #permissions: Required<Ec2ServerPermissions>;
  readonly #random: SeededRandom;
  readonly #requestLog: Ec2ServerRequest[] = [];
  readonly #sockets = new Set<Socket>();

  readonly #server: Server;
  readonly #ec2: FakeEc2;
  readonly #maxBodyBytes: number;

  private constructor(
    server: Server,
    ec2: FakeEc2,
    options: FakeEc2ServerOptions,
    maxBodyBytes: number,
  ) {
    this.#server = server;
    this.#ec2 = ec2;
    this.#maxBodyBytes = maxBodyBytes;
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    this.url = `http://${host}:${port}`;
    this.region = options.region ?? 'us-west-2';
    this.credentials = { ...(options.credentials ?? DEFAULT_CREDENTIALS) };
    this.#faults = validateFaults(options.faults ?? []);
    this.#permissions = permissionsOf(options.permissions);
    this.#random = new SeededRandom(options.seed ?? 1).fork('ec2-server-faults');
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: FakeEc2ServerOptions): Promise<FakeEc2Server> {
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const front = new FakeEc2Server(server, options.ec2, options, maxBodyBytes);
    server.on('connection', (socket) => {
      front.#sockets.add(socket);
      socket.on('close', () => front.#sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void front.#handle(request, response);
    });
    return front;
  }

  /** Replaces the fault rules. */
  setFaults(faults: readonly Ec2ServerFaultRule[]): void {
    this.#faults = validateFaults(faults);
  }

  /** Replaces the permission model. */
  setPermissions(permissions: Ec2ServerPermissions): void {
    this.#permissions = permissionsOf(permissions);
  }

  /** Every request answered so far (action, HTTP status, EC2 code). */
  requests(): Ec2ServerRequest[] {
    return this.#requestLog.map((entry) => ({ ...entry }));
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let action = '';
    let dryRun = false;
    try {
      const body = await this.#readBody(request);
      if (request.method !== 'POST' && request.method !== 'GET') {
        throw new Ec2Refusal(
          'InvalidHttpRequest',
          `Method ${request.method ?? ''} is not allowed`,
          405,
        );
      }
      const refusal = verifySigV4(
        { method: request.method, url: request.url ?? '/', rawHeaders: request.rawHeaders, body },
        { credentials: this.credentials, region: this.region, service: 'ec2', now: Date.now() },
      );
      if (refusal !== null) throw new Ec2Refusal(refusal.code, refusal.message, refusal.status);
      const query = (request.url ?? '').split('?')[1] ?? '';
      const params = QueryParams.parse(request.method === 'POST' ? body.toString('utf8') : query);
      action = params.string('Action') ?? '';
      if (action === '')
        throw new Ec2Refusal('MissingAction', 'The request must contain the parameter Action', 400);
      const version = params.string('Version');
      if (version !== EC2_API_VERSION) {
        throw new Ec2Refusal(
          'NoSuchVersion',
          `The requested version (${version ?? 'none'}) of service AmazonEC2 does not exist`,
          400,
        );
      }
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (handler === undefined) {
        throw new Ec2Refusal(
          'InvalidAction',
          `The action ${action} is not valid for this web service.`,
          400,
        );
      }
      dryRun = params.boolean('DryRun') === true;
      const fault = this.#drawFault(action);
      if (fault?.effect === 'drop') {
        this.#log(action, 0, 'ConnectionDropped', dryRun);
        request.socket.destroy();
        return;
      }
      if (fault?.effect === 'throttle')
        throw new Ec2Refusal('RequestLimitExceeded', 'Request limit exceeded.', 503);
      if (fault?.effect === 'error') {
        const code = fault.code ?? 'InternalError';
        throw new Ec2Refusal(code, 'An internal error has occurred', statusOfEc2Code(code));
      }
      if (fault?.effect === 'slow')
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1000));
      this.#authorize(action, params, dryRun);
      let names: ReadonlyMap<string, string> | undefined; // once per request
      const context: Ec2ActionContext = {
        ec2: this.#ec2,
        params,
        region: this.region,
        groupNames: () =>
          (names ??= new Map(this.#ec2.securityGroups().map((g) => [g.GroupId, g.GroupName]))),
        newClientToken: randomUUID,
      };
      const result = await handler(context);
      if (fault?.effect === 'lostReply') {
        this.#log(action, 0, 'ReplyLost', dryRun);
        request.socket.destroy();
        return;
      }
      this.#send(response, 200, renderEc2Response(action, requestId, result), requestId);
      this.#log(action, 200, undefined, dryRun);
    } catch (error) {
      const { code, message, status } = refusalOf(error);
      this.#send(response, status, renderEc2Error(code, message, requestId), requestId);
      this.#log(action, status, code, dryRun);
    }
  }

  /** The permission model, then DryRun: `UnauthorizedOperation`, `OperationNotPermitted`, `DryRunOperation`. */
  #authorize(action: string, params: QueryParams, dryRun: boolean): void {
    const { deny, trunkingAllowed } = this.#permissions;
    if (deny.includes(action) || deny.includes(`ec2:${action}`)) {
      const decoded = JSON.stringify({
        allowed: false,
        explicitDeny: false,
        matchedStatements: { items: [] },
        failures: { items: [] },
        context: { action: `ec2:${action}`, resource: '*' },
      });
      throw new Ec2Refusal(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User is not authorized to perform: ec2:${action}. Encoded authorization failure message: ${Buffer.from(decoded).toString('base64')}`,
        403,
      );
    }
    const trunkCreate =
      action === 'CreateNetworkInterface' &&
      (params.string('InterfaceType') === 'trunk' || params.string('InterfaceType') === 'branch');
    if (!trunkingAllowed && (TRUNK_ACTIONS.has(action) || trunkCreate)) {
      throw new Ec2Refusal(
        'OperationNotPermitted',
        `The account is not allowlisted for trunk network interfaces (${action}).`,
        400,
      );
    }
    if (dryRun) {
      throw new Ec2Refusal(
        'DryRunOperation',
        'Request would have succeeded, but DryRun flag is set.',
        412,
      );
    }
  }

  #drawFault(action: string): Ec2ServerFaultRule | null {
    for (const rule of this.#faults) {
      if (rule.action !== '*' && rule.action !== action) continue;
      if (this.#random.next() < rule.rate) return rule;
    }
    return null;
  }

  #readBody(request: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.#maxBodyBytes) {
          reject(
            new Ec2Refusal(
              'RequestEntityTooLarge',
              `The request body exceeds ${this.#maxBodyBytes} bytes`,
              413,
            ),
          );
          request.resume();
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => {
        resolve(Buffer.concat(chunks));
      });
      request.on('error', reject);
    });
  }

  #send(response: ServerResponse, status: number, xml: string, requestId: string): void {
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, {
      'x-amzn-requestid': requestId,
      'content-type': 'text/xml;charset=UTF-8',
      'content-length': Buffer.byteLength(xml),
    });
    response.end(xml);
  }

  #log(action: string, status: number, code: string | undefined, dryRun: boolean): void {
    this.#requestLog.push({ action, status, ...(code === undefined ? {} : { code }), dryRun });
  }
}

/** A refusal of the front itself (not of the model), with its HTTP status. */
class Ec2Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function refusalOf(error: unknown): { code: string; message: string; status: number } {
  if (error instanceof Ec2Refusal)
    return { code: error.code, message: error.message, status: error.status };
  if (AllocatorError.is(error) && error.code !== undefined) {
    const prefix = `${error.code}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    return { code: error.code, message, status: statusOfEc2Code(error.code) };
  }
  return { code: 'InternalError', message: 'An internal error has occurred', status: 500 };
}

function permissionsOf(
  permissions: Ec2ServerPermissions | undefined,
): Required<Ec2ServerPermissions> {
  return {
    deny: [...(permissions?.deny ?? [])],
    trunkingAllowed: permissions?.trunkingAllowed ?? true,
  };
}

function validateFaults(faults: readonly Ec2ServerFaultRule[]): readonly Ec2ServerFaultRule[] {
  faults.forEach((rule, index) => {
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new AllocatorError(
        'Invalid',
        `FakeEc2Server faults[${index}].rate: '${rule.rate}' is not a probability in [0, 1]`,
      );
    }
    if (!['throttle', 'error', 'slow', 'drop', 'lostReply'].includes(rule.effect)) {
      throw new AllocatorError(
        'Invalid',
        `FakeEc2Server faults[${index}].effect: '${rule.effect as string}' is unknown`,
      );
    }
  });
  return faults.map((rule) => ({ ...rule }));
}
