import { describe, expect, it } from 'vitest';
import { CniError } from '@podsg/cni';
import { parseCniCall } from './parseCniCall.js';

const body = (entries: readonly string[], stdin: string): Buffer =>
  Buffer.concat([...entries.map((entry) => Buffer.from(`${entry}\0`)), Buffer.from(`\0${stdin}`)]);

/** The `details` (the field named) of the CniError that parsing `input` throws. */
function rejected(input: Uint8Array): string | undefined {
  try {
    parseCniCall(input);
  } catch (error) {
    if (CniError.is(error, 'InvalidEnvironment')) return error.details;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseCniCall', () => {
  it('reads the forwarded variables and the stdin bytes, values with = and ; intact', () => {
    const stdin = '{"cniVersion":"1.0.0","name":"ünïcode"}';
    expect(
      parseCniCall(body(['CNI_COMMAND=ADD', 'CNI_ARGS=A=1;B=2', 'PATH=/usr/bin'], stdin)),
    ).toEqual({
      env: { CNI_COMMAND: 'ADD', CNI_ARGS: 'A=1;B=2', PATH: '/usr/bin' },
      stdin,
    });
  });

  it('takes an empty environment and an empty stdin', () => {
    expect(parseCniCall(Buffer.from('\0'))).toEqual({ env: {}, stdin: '' });
  });

  it('refuses, naming it, a variable that is not CNI_* or PATH', () => {
    expect(rejected(body(['LD_PRELOAD=/tmp/x.so'], '{}'))).toBe('LD_PRELOAD');
    expect(rejected(body(['cni_command=ADD'], '{}'))).toBe('cni_command');
  });

  it('refuses a variable given twice, too long, or too many', () => {
    expect(rejected(body(['CNI_COMMAND=ADD', 'CNI_COMMAND=DEL'], '{}'))).toBe('CNI_COMMAND');
    expect(rejected(body([`CNI_ARGS=${'x'.repeat(16 * 1024 + 1)}`], '{}'))).toBe('CNI_ARGS');
    const many = Array.from({ length: 33 }, (_, n) => `CNI_X${String(n)}=1`);
    expect(rejected(body(many, '{}'))).toBe('(body)');
  });

  it('refuses a body whose environment never ends', () => {
    expect(rejected(Buffer.from('CNI_COMMAND=ADD'))).toBe('(body)');
    expect(rejected(Buffer.from('CNI_COMMAND=ADD\0'))).toBe('(body)');
  });
});
