import { describe, expect, it } from 'vitest';
import { loadKubeConfig } from './loadKubeConfig.js';

const yaml = `apiVersion: v1
kind: Config
clusters:
- name: emu
  cluster: { server: 'https://127.0.0.1:6443', certificate-authority-data: '' }
users:
- name: admin
  user: { token: secret }
contexts:
- name: admin@emu
  context: { cluster: emu, user: admin }
- name: other
  context: { cluster: emu, user: admin }
current-context: admin@emu
`;

describe('loadKubeConfig', () => {
  it('builds a configuration from a server URL and a token', () => {
    const config = loadKubeConfig({
      server: 'https://10.0.0.1:443/',
      token: 't0k3n',
      caPem: 'PEM',
    });
    expect(config.getCurrentCluster()).toMatchObject({
      server: 'https://10.0.0.1:443',
      skipTLSVerify: false,
      caData: Buffer.from('PEM').toString('base64'),
    });
    expect(config.getCurrentUser()?.token).toBe('t0k3n');
    expect(
      loadKubeConfig({ server: 'http://127.0.0.1:8080', token: 't' }).getCurrentCluster()
        ?.skipTLSVerify,
    ).toBe(true);
  });

  it('reads kubeconfig text and switches context', () => {
    expect(loadKubeConfig({ yaml, context: 'other' }).getCurrentContext()).toBe('other');
  });

  it('names what is wrong', () => {
    expect(() => loadKubeConfig({ server: 'not a url', token: 't' })).toThrow(
      "loadKubeConfig server: 'not a url' is not a URL",
    );
    expect(() => loadKubeConfig({ server: 'ftp://x', token: 't' })).toThrow(/is not http\(s\)/);
    expect(() => loadKubeConfig({ server: 'https://x', token: ' ' })).toThrow(
      'loadKubeConfig token: empty',
    );
    expect(() => loadKubeConfig({ yaml, context: 'nope' })).toThrow(
      "loadKubeConfig context: 'nope' is not in the kubeconfig",
    );
    expect(() => loadKubeConfig({ file: '/nonexistent/kubeconfig' })).toThrow(
      /^loadKubeConfig: ENOENT/,
    );
    const saved = process.env['KUBERNETES_SERVICE_HOST'];
    delete process.env['KUBERNETES_SERVICE_HOST'];
    expect(() => loadKubeConfig({ inCluster: true })).toThrow(/KUBERNETES_SERVICE_HOST is not set/);
    if (saved !== undefined) process.env['KUBERNETES_SERVICE_HOST'] = saved;
  });
});
