import type { IncomingMessage } from 'node:http';
import { isJsonObject } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { decodeProtobufObject } from './decodeProtobufObject.js';
import { badRequest, KubernetesStatusFailure } from './KubernetesStatusFailure.js';

/** The request body limit of the API server (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A whole-number query parameter (≥ 0), null when absent; a 400 otherwise. */
export function integerParameter(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null || value === '') return null;
  if (!/^\d+$/.test(value))
    throw badRequest(`${name}: invalid value ${JSON.stringify(value)}: must be a whole number ≥ 0`);
  return Math.min(Number(value), Number.MAX_SAFE_INTEGER);
}

/** A boolean query parameter (`true`/`1`, `false`/`0`, absent = false); a 400 otherwise. */
export function booleanParameter(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badRequest(`${name}: invalid value ${JSON.stringify(value)}: must be true or false`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  return (await readBytes(request)).toString('utf8');
}

async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    request.resume();
    throw new KubernetesStatusFailure(
      413,
      'RequestEntityTooLarge',
      `the request body of ${declared} bytes is larger than ${MAX_BODY_BYTES}`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new KubernetesStatusFailure(
        413,
        'RequestEntityTooLarge',
        `the request body is larger than ${MAX_BODY_BYTES} bytes`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The request body as JSON (at most 3 MiB: 413 beyond); a 400 when it is empty or malformed. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readBody(request);
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(
      `the body of the request could not be decoded as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A create/update body: a JSON object, or the protobuf kubectl's typed commands send; 415 for other media types. */
export async function readObject(request: IncomingMessage): Promise<KubernetesObject> {
  const mediaType = (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim();
  // kubectl's typed commands (create namespace, create serviceaccount, run) send protobuf.
  if (mediaType === 'application/vnd.kubernetes.protobuf') {
    return decodeProtobufObject(await readBytes(request));
  }
  if (mediaType !== 'application/json' && mediaType !== '') {
    throw new KubernetesStatusFailure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json`,
    );
  }
  const body = await readJson(request);
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  if (body['metadata'] !== undefined && !isJsonObject(body['metadata'])) {
    throw badRequest('metadata must be an object');
  }
  return body;
}

/** `DeleteOptions` from the body and the `gracePeriodSeconds` query parameter, validated. */
export async function readDeleteOptions(
  request: IncomingMessage,
  url: URL,
): Promise<{ gracePeriodSeconds?: number; uid?: string; resourceVersion?: string }> {
  const text = await readBody(request);
  let body: KubernetesObject = {};
  if (text.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isJsonObject(parsed)) throw new Error('not an object');
      body = parsed;
    } catch (error) {
      throw badRequest(
        `DeleteOptions could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const options: { gracePeriodSeconds?: number; uid?: string; resourceVersion?: string } = {};
  const grace: unknown =
    body['gracePeriodSeconds'] ?? integerParameter(url.searchParams, 'gracePeriodSeconds');
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0) {
      throw badRequest(
        `gracePeriodSeconds: invalid value ${JSON.stringify(grace)}: must be a whole number ≥ 0`,
      );
    }
    options.gracePeriodSeconds = grace;
  }
  const preconditions = body['preconditions'];
  if (preconditions !== undefined && preconditions !== null) {
    if (!isJsonObject(preconditions)) throw badRequest('preconditions must be an object');
    const uid = preconditions['uid'];
    const resourceVersion = preconditions['resourceVersion'];
    if (uid !== undefined && uid !== null) {
      if (typeof uid !== 'string') throw badRequest('preconditions.uid must be a string');
      options.uid = uid;
    }
    if (resourceVersion !== undefined && resourceVersion !== null) {
      if (typeof resourceVersion !== 'string')
        throw badRequest('preconditions.resourceVersion must be a string');
      options.resourceVersion = resourceVersion;
    }
  }
  const propagation = body['propagationPolicy'];
  if (
    propagation !== undefined &&
    !['Orphan', 'Background', 'Foreground'].includes(propagation as string)
  ) {
    throw new KubernetesStatusFailure(
      422,
      'Invalid',
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(propagation)}: supported values: "Foreground", "Background", "Orphan"`,
      {
        causes: [
          {
            reason: 'FieldValueNotSupported',
            message: `Unsupported value: ${JSON.stringify(propagation)}`,
            field: 'propagationPolicy',
          },
        ],
      },
    );
  }
  return options;
}
