import { AllocatorError } from '../errors/AllocatorError.js';
import type { PodEniAttachment } from '../models/PodEniAttachment.js';

const ENI_ID = /^eni-[0-9a-f]{8,17}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6 = /^[0-9a-f:]+$/i;
const IPV6_CIDR = /^[0-9a-f:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/i;

/**
 * Parses and validates the `vpc.amazonaws.com/pod-eni` annotation: a non-empty JSON array of
 * objects with `eniId`, `ifAddress`, `privateIp`, `vlanId` (1..4094), `subnetCidr` and
 * `associationID`; `ipv6Addr` and `subnetV6Cidr` may be empty or absent. Keys are
 * case-sensitive; unknown keys are ignored. Readers use element 0.
 *
 * @throws AllocatorError of kind `Invalid`, its message naming the field (`[0].vlanId`)
 */
export function decodePodEniAnnotation(annotation: string): PodEniAttachment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch (error) {
    throw new AllocatorError('Invalid', 'pod-eni annotation is not valid JSON', { cause: error });
  }
  if (!Array.isArray(parsed)) {
    throw new AllocatorError('Invalid', 'pod-eni annotation: <root> must be a JSON array');
  }
  if (parsed.length === 0) {
    throw new AllocatorError('Invalid', 'pod-eni annotation: <root> must not be empty');
  }
  return parsed.map((element: unknown, index) => decodeAttachment(element, `[${index}]`));
}

function decodeAttachment(element: unknown, at: string): PodEniAttachment {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    throw invalid(at, 'must be an object');
  }
  const fields = element as Record<string, unknown>;
  const vlanId = fields['vlanId'];
  if (typeof vlanId !== 'number' || !Number.isInteger(vlanId) || vlanId < 1 || vlanId > 4094) {
    throw invalid(`${at}.vlanId`, 'must be an integer from 1 to 4094');
  }
  return {
    eniId: text(fields, 'eniId', at, ENI_ID, false),
    ifAddress: text(fields, 'ifAddress', at, MAC, false),
    privateIp: text(fields, 'privateIp', at, IPV4, false),
    ipv6Addr: text(fields, 'ipv6Addr', at, IPV6, true),
    vlanId,
    subnetCidr: text(fields, 'subnetCidr', at, IPV4_CIDR, false),
    subnetV6Cidr: text(fields, 'subnetV6Cidr', at, IPV6_CIDR, true),
    associationID: text(fields, 'associationID', at, /^\S+$/, false),
  };
}

function text(
  fields: Record<string, unknown>,
  key: string,
  at: string,
  pattern: RegExp,
  optional: boolean,
): string {
  const value = fields[key];
  if (optional && (value === undefined || value === '')) return '';
  if (typeof value !== 'string') throw invalid(`${at}.${key}`, 'must be a string');
  if (!pattern.test(value)) throw invalid(`${at}.${key}`, `"${value}" is malformed`);
  return value;
}

function invalid(field: string, problem: string): AllocatorError {
  return new AllocatorError('Invalid', `pod-eni annotation: ${field} ${problem}`);
}
