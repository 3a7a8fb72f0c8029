import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from './decodeProtobufObject.js';

/** Protobuf wire encoding, enough to build what kubectl sends. */
const varint = (value: number): number[] => {
  const bytes: number[] = [];
  do {
    bytes.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value >>>= 7;
  } while (value > 0);
  return bytes;
};
const field = (number: number, payload: Buffer | string): Buffer => {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.from([...varint((number << 3) | 2), ...varint(bytes.length), ...bytes]);
};
const message = (...fields: Buffer[]): Buffer => Buffer.concat(fields);
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0'),
    field(1, message(field(1, apiVersion), field(2, kind))),
    field(2, raw),
    field(3, ''),
    field(4, ''),
  ]);

describe('decodeProtobufObject', () => {
  it('reads a ServiceAccount as kubectl create serviceaccount sends it, zero values omitted', () => {
    const metadata = message(
      field(1, 'builder'),
      field(2, ''),
      field(3, 'demo'),
      field(8, Buffer.alloc(0)),
      field(11, message(field(1, 'team'), field(2, 'blue'))),
    );
    const body = envelope('v1', 'ServiceAccount', message(field(1, metadata)));
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder', namespace: 'demo', labels: { team: 'blue' } },
    });
  });

  it('refuses kinds and fields it does not know (415) and truncated bodies (400)', () => {
    expect(() => decodeProtobufObject(envelope('v1', 'Secret', message()))).toThrow(
      /protobuf for Namespace and ServiceAccount only, not v1 Secret/,
    );
    const unknownField = envelope('v1', 'Namespace', message(field(1, message(field(99, 'x')))));
    expect(() => decodeProtobufObject(unknownField)).toThrow(/field metadata\.99 is not known/);
    const whole = envelope('v1', 'Namespace', message(field(1, message(field(1, 'demo')))));
    expect(() => decodeProtobufObject(whole.subarray(0, whole.length - 5))).toThrow(/truncated/);
    expect(() => decodeProtobufObject(Buffer.from('{"kind":"Namespace"}'))).toThrow(/magic/);
  });
});
