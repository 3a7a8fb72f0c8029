import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { parseNetworkConfig } from './parseNetworkConfig.js';

function thrown(fn: () => unknown): CniError {
  try {
    fn();
  } catch (error) {
    if (CniError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a CniError');
}

const base = { cniVersion: '1.0.0', name: 'podsg', type: 'podsg-cni' };
const parse = (config: object, command?: 'ADD' | 'CHECK' | 'GC' | 'STATUS') =>
  parseNetworkConfig(JSON.stringify(config), command);

describe('parseNetworkConfig', () => {
  it('fills in the defaults', () => {
    expect(parse(base)).toEqual({
      ...base,
      podSGEnforcingMode: 'strict',
      mtu: 9001,
      vethPrefix: 'eni',
      agentSocket: '/run/podsg/agent.sock',
    });
  });

  it('reads the documented example with its delegate', () => {
    const config = parse({
      ...base,
      podSGEnforcingMode: 'standard',
      mtu: 1500,
      vethPrefix: 'eni',
      agentSocket: '/run/podsg/agent.sock',
      logFile: '/var/log/podsg-cni.log',
      delegate: { type: 'ptp', ipam: { type: 'host-local', subnet: '10.22.0.0/16' } },
    });
    expect(config.podSGEnforcingMode).toBe('standard');
    expect(config.mtu).toBe(1500);
    expect(config.logFile).toBe('/var/log/podsg-cni.log');
    expect(config.delegate).toEqual({
      type: 'ptp',
      ipam: { type: 'host-local', subnet: '10.22.0.0/16' },
    });
  });

  it('is code 6 when stdin is not a JSON object', () => {
    for (const stdin of ['', '{', '[1]', 'null']) {
      expect(thrown(() => parseNetworkConfig(stdin)).code).toBe(6);
    }
  });

  it('accepts exactly the five supported versions; others are code 1 listing them', () => {
    for (const cniVersion of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
      expect(parse({ ...base, cniVersion }).cniVersion).toBe(cniVersion);
    }
    for (const cniVersion of ['0.2.0', '0.1.0', '1.2.0', '2.0.0']) {
      const error = thrown(() => parse({ ...base, cniVersion }));
      expect(error.code).toBe(1);
      expect(error.details).toContain('0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0');
    }
  });

  it('reads a missing cniVersion as libcni does (0.1.0: code 1), a non-string one as undecodable (code 6)', () => {
    for (const cniVersion of [undefined, '']) {
      const error = thrown(() => parse({ ...base, cniVersion }));
      expect(error.code).toBe(1);
      expect(error.message).toMatch(/0\.1\.0.*missing/);
    }
    const error = thrown(() => parse({ ...base, cniVersion: 1 }));
    expect([error.code, error.details]).toEqual([6, 'cniVersion']);
  });

  it('checks the network name before the version, as skel does', () => {
    expect(thrown(() => parse({ ...base, name: 'bad name', cniVersion: '9.9.9' })).code).toBe(7);
  });

  it('refuses CHECK before 0.4.0 and GC or STATUS before 1.1.0 with code 1', () => {
    expect(thrown(() => parse({ ...base, cniVersion: '0.3.1' }, 'CHECK')).code).toBe(1);
    expect(parse({ ...base, cniVersion: '0.4.0' }, 'CHECK').cniVersion).toBe('0.4.0');
    for (const command of ['GC', 'STATUS'] as const) {
      expect(
        thrown(() => parse({ ...base, cniVersion: '1.0.0' }, command).cniVersion).message,
      ).toContain(command);
      expect(parse({ ...base, cniVersion: '1.1.0' }, command).cniVersion).toBe('1.1.0');
    }
  });

  it.each([
    ['name', { name: undefined }],
    ['name', { name: '-podsg' }],
    ['type', { type: '' }],
    ['type', { type: '/opt/cni/bin/podsg-cni' }],
    ['type', { type: 'podsg\\cni' }],
    ['podSGEnforcingMode', { podSGEnforcingMode: 'lenient' }],
    ['mtu', { mtu: 575 }],
    ['mtu', { mtu: 9002 }],
    ['mtu', { mtu: 1500.5 }],
    ['mtu', { mtu: '1500' }],
    ['vethPrefix', { vethPrefix: 'abcde' }],
    ['vethPrefix', { vethPrefix: 'ENI' }],
    ['vethPrefix', { vethPrefix: '' }],
    ['agentSocket', { agentSocket: 'agent.sock' }],
    ['delegate', { delegate: 'ptp' }],
    ['delegate.type', { delegate: { ipam: {} } }],
    ['delegate.type', { delegate: { type: '../../bin/sh' } }],
    ['logFile', { logFile: 'relative.log' }],
    ['prevResult', { prevResult: [] }],
    ['runtimeConfig', { runtimeConfig: 'x' }],
    ['args', { args: 3 }],
    ['cni.dev/valid-attachments', { 'cni.dev/valid-attachments': {} }],
    ['cni.dev/valid-attachments[0]', { 'cni.dev/valid-attachments': [{ containerID: 'a' }] }],
  ])('is code 7 naming %s when it is malformed', (field, change) => {
    const error = thrown(() => parse({ ...base, ...change }));
    expect(error.code).toBe(7);
    expect(error.message).toContain(field);
    expect(error.details).toBe(field);
  });

  it('keeps prevResult, runtimeConfig, args and the valid attachments (either spelling)', () => {
    const prevResult = { cniVersion: '1.1.0', interfaces: [] };
    const attachments = [{ containerID: 'c1', ifname: 'eth0' }];
    const config = parse(
      {
        ...base,
        cniVersion: '1.1.0',
        prevResult,
        runtimeConfig: { mac: 'x' },
        args: { a: 1 },
        'cni.dev/attachments': attachments,
      },
      'GC',
    );
    expect(config.prevResult).toEqual(prevResult);
    expect(config.runtimeConfig).toEqual({ mac: 'x' });
    expect(config.args).toEqual({ a: 1 });
    expect(config.validAttachments).toEqual(attachments);
  });
});
