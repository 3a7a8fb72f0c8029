import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { parseCniArgs, parseCniEnvironment } from './parseCniEnvironment.js';

function thrown(fn: () => unknown): CniError {
  try {
    fn();
  } catch (error) {
    if (CniError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a CniError');
}

const addEnv = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;K8S_POD_UID=u-1',
  CNI_PATH: '/opt/cni/bin::/usr/lib/cni',
};

describe('parseCniEnvironment', () => {
  it('parses every variable of an ADD', () => {
    expect(parseCniEnvironment(addEnv)).toEqual({
      command: 'ADD',
      containerId: 'c0ffee',
      netns: '/var/run/netns/cni-1',
      ifName: 'eth0',
      args: {
        ignoreUnknown: true,
        podNamespace: 'default',
        podName: 'web-1',
        podUid: 'u-1',
        pairs: {
          IgnoreUnknown: '1',
          K8S_POD_NAMESPACE: 'default',
          K8S_POD_NAME: 'web-1',
          K8S_POD_UID: 'u-1',
        },
      },
      path: ['/opt/cni/bin', '/usr/lib/cni'],
    });
  });

  it.each([
    ['ADD', 'CNI_CONTAINERID'],
    ['ADD', 'CNI_NETNS'],
    ['ADD', 'CNI_IFNAME'],
    ['CHECK', 'CNI_NETNS'],
    ['DEL', 'CNI_CONTAINERID'],
    ['DEL', 'CNI_IFNAME'],
    ['GC', 'CNI_PATH'],
  ])('%s without %s is code 4 naming the variable', (command, variable) => {
    const error = thrown(() =>
      parseCniEnvironment({ ...addEnv, CNI_COMMAND: command, [variable]: '' }),
    );
    expect(error.code).toBe(4);
    expect(error.message).toContain(variable);
    expect(error.details).toBe(variable);
  });

  it('lets DEL go without CNI_NETNS, VERSION without anything, GC and STATUS without container variables', () => {
    const del = parseCniEnvironment({ ...addEnv, CNI_COMMAND: 'DEL', CNI_NETNS: undefined });
    expect(del.netns).toBeUndefined();
    expect(parseCniEnvironment({ CNI_COMMAND: 'VERSION' }).command).toBe('VERSION');
    for (const command of ['GC', 'STATUS']) {
      expect(parseCniEnvironment({ CNI_COMMAND: command, CNI_PATH: '/opt/cni/bin' }).command).toBe(
        command,
      );
    }
  });

  it('takes CNI_PATH as optional where the spec does (ADD, CHECK, DEL, STATUS), unlike GC', () => {
    for (const command of ['ADD', 'CHECK', 'DEL', 'STATUS']) {
      const parsed = parseCniEnvironment({ ...addEnv, CNI_COMMAND: command, CNI_PATH: undefined });
      expect(parsed.path).toEqual([]);
    }
    expect(thrown(() => parseCniEnvironment({ CNI_COMMAND: 'GC' })).details).toBe('CNI_PATH');
  });

  it('ignores container variables GC and STATUS do not take, as skel does', () => {
    for (const command of ['GC', 'STATUS']) {
      const parsed = parseCniEnvironment({
        CNI_COMMAND: command,
        CNI_PATH: '/opt/cni/bin',
        CNI_CONTAINERID: '-bad id',
        CNI_IFNAME: 'a/b',
        CNI_NETNS: 'relative',
      });
      expect([parsed.containerId, parsed.ifName, parsed.netns]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    }
  });

  it('counts CNI_IFNAME in bytes as the kernel does: 15 at most', () => {
    expect(parseCniEnvironment({ ...addEnv, CNI_IFNAME: 'a'.repeat(15) }).ifName).toHaveLength(15);
    // 8 characters, 16 bytes in UTF-8.
    const error = thrown(() => parseCniEnvironment({ ...addEnv, CNI_IFNAME: 'é'.repeat(8) }));
    expect([error.code, error.details]).toEqual([4, `CNI_IFNAME=${'é'.repeat(8)}`]);
    expect(thrown(() => parseCniEnvironment({ ...addEnv, CNI_IFNAME: 'eth\u00850' })).code).toBe(4);
  });

  it('refuses a missing or unknown CNI_COMMAND with code 4', () => {
    expect(thrown(() => parseCniEnvironment({})).message).toMatch(/CNI_COMMAND/);
    const error = thrown(() => parseCniEnvironment({ ...addEnv, CNI_COMMAND: 'UPDATE' }));
    expect([error.code, error.details]).toEqual([4, 'CNI_COMMAND=UPDATE']);
  });

  it('refuses malformed container ids, interface names and namespace paths', () => {
    for (const [variable, value] of [
      ['CNI_CONTAINERID', '-leading-dash'],
      ['CNI_CONTAINERID', 'has space'],
      ['CNI_IFNAME', 'a-name-that-is-too-long'],
      ['CNI_IFNAME', 'eth/0'],
      ['CNI_IFNAME', 'eth:0'],
      ['CNI_IFNAME', '..'],
      ['CNI_NETNS', 'relative/path'],
    ] as const) {
      const error = thrown(() => parseCniEnvironment({ ...addEnv, [variable]: value }));
      expect(error.code).toBe(4);
      expect(error.message).toContain(variable);
    }
  });
});

describe('parseCniArgs', () => {
  it('refuses unknown keys unless IgnoreUnknown is set', () => {
    expect(thrown(() => parseCniArgs('K8S_POD_NAME=a;FOO=bar')).message).toMatch(/FOO/);
    expect(parseCniArgs('IgnoreUnknown=true;FOO=bar').pairs.FOO).toBe('bar');
    expect(thrown(() => parseCniArgs('IgnoreUnknown=0;FOO=bar')).code).toBe(4);
  });

  it('refuses pairs without a key or "=", and a non-boolean IgnoreUnknown', () => {
    for (const text of ['K8S_POD_NAME', '=x', 'IgnoreUnknown=yes']) {
      const error = thrown(() => parseCniArgs(text));
      expect([error.code, error.message.startsWith('CNI_ARGS')]).toEqual([4, true]);
    }
  });

  it('keeps "=" inside values and tolerates empty segments', () => {
    const args = parseCniArgs(';K8S_POD_NAME=a=b;;K8S_POD_NAMESPACE=ns;');
    expect([args.podName, args.podNamespace, args.ignoreUnknown]).toEqual(['a=b', 'ns', false]);
  });
});
