import { describe, expect, it } from 'vitest';
import {
  buildPodsgConflist,
  choosePrimaryConfig,
  PODSG_CONFLIST_NAME,
} from './buildPodsgConflist.js';

const options = {
  agentSocket: '/run/podsg/agent.sock',
  enforcingMode: 'strict' as const,
  mtu: 9001,
  vethPrefix: 'eni',
};

describe('buildPodsgConflist', () => {
  it("puts podsg-cni first, delegating to the primary's first plugin, and chains the rest after it", () => {
    const primary = {
      cniVersion: '1.0.0',
      name: 'aws-cni',
      plugins: [
        { type: 'aws-cni', vethPrefix: 'eni', mtu: '9001' },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
    expect(buildPodsgConflist(primary, '10-aws.conflist', options)).toEqual({
      cniVersion: '1.0.0',
      name: 'aws-cni',
      plugins: [
        {
          type: 'podsg-cni',
          podSGEnforcingMode: 'strict',
          mtu: 9001,
          vethPrefix: 'eni',
          agentSocket: '/run/podsg/agent.sock',
          delegate: primary.plugins[0],
        },
        primary.plugins[1],
      ],
    });
  });

  it('takes a single-plugin .conf as the delegate, without its list fields', () => {
    const conflist = buildPodsgConflist(
      { cniVersion: '0.4.0', name: 'bridge', type: 'bridge', ipam: { type: 'host-local' } },
      '10-bridge.conf',
      options,
    );
    expect(conflist['plugins']).toEqual([
      expect.objectContaining({
        type: 'podsg-cni',
        delegate: { type: 'bridge', ipam: { type: 'host-local' } },
      }),
    ]);
  });

  it('names the file and field of an unusable primary', () => {
    expect(() => buildPodsgConflist([], 'a.conflist', options)).toThrow(
      'a.conflist: not a JSON object',
    );
    expect(() =>
      buildPodsgConflist({ cniVersion: '1.0.0', name: 'x', plugins: [] }, 'a.conflist', options),
    ).toThrow('a.conflist: plugins must be a non-empty list');
    expect(() =>
      buildPodsgConflist(
        { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'ptp' }, {}] },
        'a.conflist',
        options,
      ),
    ).toThrow('plugins[1].type');
    expect(() =>
      buildPodsgConflist(
        { cniVersion: '1.0.0', plugins: [{ type: 'ptp' }] },
        'a.conflist',
        options,
      ),
    ).toThrow('a.conflist: name');
    expect(() =>
      buildPodsgConflist(
        { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'podsg-cni' }] },
        'a.conflist',
        options,
      ),
    ).toThrow('podsg-cni already');
  });
});

describe('choosePrimaryConfig', () => {
  it('picks what libcni would pick, leaving out podsg, hidden and unrelated files', () => {
    expect(
      choosePrimaryConfig([
        'README',
        '.10-x.conflist.tmp',
        PODSG_CONFLIST_NAME,
        '20-b.conf',
        '10-aws.conflist',
      ]),
    ).toBe('10-aws.conflist');
    expect(choosePrimaryConfig([PODSG_CONFLIST_NAME])).toBeNull();
  });
});
