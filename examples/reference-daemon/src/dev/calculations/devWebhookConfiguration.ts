/**
 * A webhook configuration of `deploy/` as `podsgd dev` registers it: each webhook's
 * `clientConfig.service` (a cluster Service the emulator cannot resolve) becomes
 * `clientConfig.url` at `baseUrl` with the same path, trusting `caBundlePem`. Everything else
 * (rules, selectors, failure policy, timeouts) is kept as the operator's manifest says.
 */
export function devWebhookConfiguration(
  manifest: Readonly<Record<string, unknown>>,
  baseUrl: string,
  caBundlePem: string,
): Record<string, unknown> {
  const webhooks = manifest['webhooks'];
  if (!Array.isArray(webhooks)) {
    throw new Error(`${String(manifest['kind'])}: webhooks is not a list`);
  }
  const metadata = manifest['metadata'] as Record<string, unknown> | undefined;
  const { annotations: _injectedByCertManager, ...kept } = metadata ?? {};
  return {
    ...manifest,
    metadata: kept,
    webhooks: webhooks.map((webhook: Record<string, unknown>) => {
      const clientConfig = (webhook['clientConfig'] ?? {}) as Record<string, unknown>;
      const service = (clientConfig['service'] ?? {}) as Record<string, unknown>;
      const path = typeof service['path'] === 'string' ? service['path'] : '/';
      return {
        ...webhook,
        clientConfig: {
          url: `${baseUrl}${path}`,
          caBundle: Buffer.from(caBundlePem, 'utf8').toString('base64'),
        },
      };
    }),
  };
}
