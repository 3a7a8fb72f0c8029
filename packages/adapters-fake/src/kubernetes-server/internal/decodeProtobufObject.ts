import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { KubernetesStatusFailure } from './KubernetesStatusFailure.js';

/** How one protobuf field maps to JSON (`k8s.io/api/.../generated.proto`). */
interface Field {
  name: string;
  type: 'string' | 'bool' | 'int' | 'time' | 'stringMap' | Schema;
  repeated?: boolean;
}
type Schema = Readonly<Record<number, Field>>;

const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};
const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  4: { name: 'selfLink', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  9: { name: 'deletionTimestamp', type: 'time' },
  10: { name: 'deletionGracePeriodSeconds', type: 'int' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};
const OBJECT_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  2: { name: 'namespace', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'resourceVersion', type: 'string' },
  6: { name: 'apiVersion', type: 'string' },
  7: { name: 'fieldPath', type: 'string' },
};

/** The kinds whose protobuf this server reads: what kubectl's typed `create` commands send for the kinds it serves. */
const SCHEMAS: Readonly<Record<string, Schema>> = {
  'v1/Namespace': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
    3: { name: 'status', type: { 1: { name: 'phase', type: 'string' } } },
  },
  'v1/ServiceAccount': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'secrets', type: OBJECT_REFERENCE, repeated: true },
    3: { name: 'imagePullSecrets', type: { 1: { name: 'name', type: 'string' } }, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
};

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/**
 * Decodes a Kubernetes protobuf body (`application/vnd.kubernetes.protobuf`: the `k8s\0` magic,
 * a `runtime.Unknown` envelope, the object) into the JSON object the API would have received,
 * zero values omitted as JSON's `omitempty` does. Only Namespace and ServiceAccount are known
 * (kubectl's typed `create namespace` and `create serviceaccount`); anything else, or any field
 * this decoder does not know, is a 415 so nothing is silently lost.
 */
export function decodeProtobufObject(body: Buffer): KubernetesObject {
  if (body.length < 4 || MAGIC.some((byte, index) => body[index] !== byte)) {
    throw unsupported('the body does not start with the Kubernetes protobuf magic');
  }
  const envelope = new Reader(body.subarray(4));
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | null = null;
  while (!envelope.done()) {
    const [number, wireType] = envelope.key();
    if (number === 1 && wireType === 2) {
      const typeMeta = new Reader(envelope.bytes());
      while (!typeMeta.done()) {
        const [field, type] = typeMeta.key();
        if (field === 1 && type === 2) apiVersion = typeMeta.bytes().toString('utf8');
        else if (field === 2 && type === 2) kind = typeMeta.bytes().toString('utf8');
        else typeMeta.skip(type);
      }
    } else if (number === 2 && wireType === 2) raw = envelope.bytes();
    else envelope.skip(wireType);
  }
  const schema = SCHEMAS[`${apiVersion}/${kind}`];
  if (schema === undefined || raw === null) {
    throw unsupported(
      `this emulator reads protobuf for Namespace and ServiceAccount only, not ${apiVersion} ${kind}`,
    );
  }
  return { apiVersion, kind, ...decodeMessage(raw, schema, '') };
}

function decodeMessage(bytes: Buffer, schema: Schema, path: string): KubernetesObject {
  const reader = new Reader(bytes);
  const out: KubernetesObject = {};
  while (!reader.done()) {
    const [number, wireType] = reader.key();
    const field = schema[number];
    if (field === undefined)
      throw unsupported(`field ${path}${number} is not known to this emulator`);
    const value = decodeValue(reader, field, wireType, `${path}${field.name}.`);
    if (value === undefined) continue;
    if (field.type === 'stringMap') {
      const [key, entry] = value as [string, string];
      out[field.name] = {
        ...(out[field.name] as Record<string, string> | undefined),
        [key]: entry,
      };
    } else if (field.repeated === true) {
      out[field.name] = [...((out[field.name] as unknown[] | undefined) ?? []), value];
    } else out[field.name] = value;
  }
  // omitempty: zero values are absent in JSON.
  for (const [key, value] of Object.entries(out)) {
    if (
      value === '' ||
      value === false ||
      value === 0 ||
      (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    ) {
      Reflect.deleteProperty(out, key);
    }
  }
  return out;
}

function decodeValue(reader: Reader, field: Field, wireType: number, path: string): unknown {
  const expect = (wanted: number): void => {
    if (wireType !== wanted)
      throw unsupported(`field ${path.slice(0, -1)} has wire type ${wireType}`);
  };
  switch (field.type) {
    case 'string':
      expect(2);
      return reader.bytes().toString('utf8');
    case 'bool':
      expect(0);
      return reader.varint() !== 0n;
    case 'int':
      expect(0);
      return Number(BigInt.asIntN(64, reader.varint()));
    case 'time': {
      expect(2);
      const time = new Reader(reader.bytes());
      let seconds = 0n;
      while (!time.done()) {
        const [number, type] = time.key();
        if (number === 1 && type === 0) seconds = BigInt.asIntN(64, time.varint());
        else time.skip(type);
      }
      return seconds === 0n
        ? undefined
        : new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'stringMap': {
      expect(2);
      const entry = new Reader(reader.bytes());
      let key = '';
      let value = '';
      while (!entry.done()) {
        const [number, type] = entry.key();
        if (number === 1 && type === 2) key = entry.bytes().toString('utf8');
        else if (number === 2 && type === 2) value = entry.bytes().toString('utf8');
        else entry.skip(type);
      }
      return [key, value];
    }
    default:
      expect(2);
      return decodeMessage(reader.bytes(), field.type, path);
  }
}

function unsupported(why: string): KubernetesStatusFailure {
  return new KubernetesStatusFailure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json (${why}; use kubectl apply -f)`,
  );
}

/** A protobuf wire-format reader that fails with a 400 on truncated input. */
class Reader {
  #offset = 0;
  readonly #buffer: Buffer;

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  done(): boolean {
    return this.#offset >= this.#buffer.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.#buffer[this.#offset++];
      if (byte === undefined) throw truncated();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw truncated();
  }

  key(): [number, number] {
    const key = Number(this.varint());
    return [key >>> 3, key & 7];
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    const end = this.#offset + length;
    if (end > this.#buffer.length) throw truncated();
    const bytes = this.#buffer.subarray(this.#offset, end);
    this.#offset = end;
    return bytes;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.#offset += 8;
    else if (wireType === 5) this.#offset += 4;
    else throw truncated();
    if (this.#offset > this.#buffer.length) throw truncated();
  }
}

function truncated(): KubernetesStatusFailure {
  return new KubernetesStatusFailure(
    400,
    'BadRequest',
    'the protobuf body is truncated or malformed',
  );
}
