import { KubeConfig } from '@kubernetes/client-node';
import { AllocatorError } from '@podsg/allocator';

/** Where `loadKubeConfig` finds the cluster and the credentials. */
export type KubeConfigSource =
  /** The pod's service account: token, CA and namespace under `/var/run/secrets/kubernetes.io/serviceaccount`, server from `KUBERNETES_SERVICE_HOST`/`_PORT`. */
  | { inCluster: true }
  /** A kubeconfig file, optionally another context than its current one. */
  | { file: string; context?: string }
  /** A kubeconfig's YAML text (e.g. `FakeKubernetesServer.kubeconfig(user)`). */
  | { yaml: string; context?: string }
  /** A server URL and a bearer token, with the server's CA (PEM) unless it is plain HTTP. */
  | { server: string; token: string; caPem?: string; insecureSkipTlsVerify?: boolean };

/**
 * A client-node `KubeConfig` for `KubernetesClusterApi`. Throws `AllocatorError` `Invalid`
 * naming what is missing or malformed (no in-cluster environment, unreadable file, unknown
 * context, a server that is not an http(s) URL, an empty token).
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if ('inCluster' in source) {
      if (process.env['KUBERNETES_SERVICE_HOST'] === undefined) {
        throw new AllocatorError(
          'Invalid',
          'loadKubeConfig inCluster: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)',
        );
      }
      kubeConfig.loadFromCluster();
    } else if ('file' in source) {
      kubeConfig.loadFromFile(source.file);
      if (source.context !== undefined) useContext(kubeConfig, source.context);
    } else if ('yaml' in source) {
      kubeConfig.loadFromString(source.yaml);
      if (source.context !== undefined) useContext(kubeConfig, source.context);
    } else {
      let url: URL;
      try {
        url = new URL(source.server);
      } catch {
        throw new AllocatorError(
          'Invalid',
          `loadKubeConfig server: '${source.server}' is not a URL`,
        );
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new AllocatorError(
          'Invalid',
          `loadKubeConfig server: '${source.server}' is not http(s)`,
        );
      }
      if (source.token.trim() === '') {
        throw new AllocatorError('Invalid', 'loadKubeConfig token: empty');
      }
      const plainHttp = url.protocol === 'http:';
      kubeConfig.loadFromClusterAndUser(
        {
          name: 'podsg',
          server: source.server.replace(/\/+$/, ''),
          skipTLSVerify: plainHttp || source.insecureSkipTlsVerify === true,
          ...(source.caPem === undefined
            ? {}
            : { caData: Buffer.from(source.caPem, 'utf8').toString('base64') }),
        },
        { name: 'podsg', token: source.token },
      );
    }
  } catch (error) {
    if (AllocatorError.is(error)) throw error;
    throw new AllocatorError('Invalid', `loadKubeConfig: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (kubeConfig.getCurrentCluster() === null) {
    throw new AllocatorError(
      'Invalid',
      'loadKubeConfig: the configuration names no current cluster',
    );
  }
  return kubeConfig;
}

function useContext(kubeConfig: KubeConfig, context: string): void {
  if (kubeConfig.getContextObject(context) === null) {
    throw new AllocatorError(
      'Invalid',
      `loadKubeConfig context: '${context}' is not in the kubeconfig`,
    );
  }
  kubeConfig.setCurrentContext(context);
}
