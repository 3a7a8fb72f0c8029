import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The keys a request must be signed with. */
export interface Ec2Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it in `X-Amz-Security-Token` (temporary credentials). */
  sessionToken?: string;
}

/** What the server received, as it arrived. */
export interface SignedRequest {
  method: string;
  /** Path and query string, raw. */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value … */
  rawHeaders: readonly string[];
  body: Buffer;
}

/** Why a request was refused: EC2's code, message and HTTP status. */
export interface SignatureRefusal {
  code: string;
  message: string;
  status: number;
}

/** How far the signing time may be from the server's clock (SigV4 allows 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;

/**
 * Verifies an AWS Signature Version 4 `Authorization` header, as EC2 does: the credential
 * scope (date, region, service `ec2`), the signing time within 15 minutes, the signed
 * headers (`host` among them) and the HMAC-SHA256 signature over the canonical request. Returns
 * null when the request is authentic, else EC2's refusal (`MissingAuthenticationToken`,
 * `IncompleteSignature`, `AuthFailure`, `RequestExpired`, `SignatureDoesNotMatch`).
 */
export function verifySigV4(
  request: SignedRequest,
  expected: { credentials: Ec2Credentials; region: string; service: string; now: number },
): SignatureRefusal | null {
  const headers = headerValues(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (authorization === undefined) {
    return refusal('MissingAuthenticationToken', 'Request is missing Authentication Token', 401);
  }
  const match = /^AWS4-HMAC-SHA256 (.*)$/.exec(authorization);
  if (match === null) {
    return refusal(
      'IncompleteSignature',
      `Unsupported AWS 'algorithm' in the Authorization header`,
      400,
    );
  }
  const parts = new Map<string, string>();
  for (const part of (match[1] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaderList = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential === undefined || signedHeaderList === undefined || signature === undefined) {
    return refusal(
      'IncompleteSignature',
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters",
      400,
    );
  }
  const amzDate = headers.get('x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return refusal(
      'IncompleteSignature',
      "Authorization header requires existence of a valid 'X-Amz-Date' header",
      400,
    );
  }
  const [accessKeyId, date, region, service, terminator, ...extra] = credential.split('/');
  if (extra.length > 0 || terminator !== 'aws4_request') {
    return refusal('IncompleteSignature', `Credential '${credential}' is malformed`, 400);
  }
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return refusal(
      'AuthFailure',
      'AWS was not able to validate the provided access credentials',
      401,
    );
  }
  if (date !== amzDate.slice(0, 8)) {
    return refusal(
      'AuthFailure',
      `Credential should be scoped to a valid date, not '${date ?? ''}'`,
      401,
    );
  }
  if (region !== expected.region) {
    return refusal(
      'AuthFailure',
      `Credential should be scoped to a valid region, not '${region ?? ''}'`,
      401,
    );
  }
  if (service !== expected.service) {
    return refusal(
      'AuthFailure',
      `Credential should be scoped to correct service: '${expected.service}'`,
      401,
    );
  }
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (!Number.isFinite(signedAt) || Math.abs(expected.now - signedAt) > MAX_SKEW_MS) {
    return refusal('RequestExpired', `Request has expired (signed at ${amzDate}).`, 400);
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) {
    return refusal('IncompleteSignature', "'Host' must be a signed header", 400);
  }
  const token = expected.credentials.sessionToken;
  if (token !== undefined && headers.get('x-amz-security-token') !== token) {
    return refusal('AuthFailure', 'The security token included in the request is invalid', 401);
  }
  const payloadHash = sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== payloadHash) {
    return refusal(
      'SignatureDoesNotMatch',
      'The provided payload hash does not match the body',
      403,
    );
  }
  const canonical = [
    request.method,
    canonicalPath(request.url),
    canonicalQuery(request.url),
    signedHeaders.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join(''),
    signedHeaderList,
    declaredHash ?? payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${expected.credentials.secretAccessKey}`, date);
  for (const step of [region, service, 'aws4_request']) key = hmac(key, step);
  const wanted = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(signature);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    return refusal(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403,
    );
  }
  return null;
}

function refusal(code: string, message: string, status: number): SignatureRefusal {
  return { code, message, status };
}

/** Header values by lowercase name: repeated headers joined by commas, spaces collapsed. */
function headerValues(rawHeaders: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = (rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' ');
    const seen = values.get(name);
    values.set(name, seen === undefined ? value : `${seen},${value}`);
  }
  return values;
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function canonicalPath(url: string): string {
  const path = url.split('?')[0] ?? '/';
  if (path === '' || path === '/') return '/';
  return path
    .split('/')
    .map((segment) => encodeRfc3986(encodeRfc3986(safeDecode(segment))))
    .join('/');
}

function canonicalQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  return url
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [encodeRfc3986(safeDecode(name)), encodeRfc3986(safeDecode(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string | undefined): Buffer {
  return createHmac('sha256', key)
    .update(data ?? '')
    .digest();
}
