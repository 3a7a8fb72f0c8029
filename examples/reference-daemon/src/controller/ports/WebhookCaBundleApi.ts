/** A webhook configuration kind whose `caBundle` the controller may write. */
export type WebhookConfigurationKind =
  'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';

/**
 * Writes the CA of a self-signed serving certificate into podsg's webhook configurations, so the
 * API server trusts the webhooks (`--self-signed-webhook-cert`). The production adapter is
 * `KubernetesClusterApi.setWebhookCaBundle`.
 */
export interface WebhookCaBundleApi {
  /**
   * Sets `webhooks[*].clientConfig.caBundle` of the configuration `name` to the base64 of
   * `caBundlePem`. Idempotent. Throws `AllocatorError` `NotFound` when the configuration does
   * not exist, `Unauthorized`, `Transient` or `Throttled`.
   */
  setWebhookCaBundle(
    kind: WebhookConfigurationKind,
    name: string,
    caBundlePem: string,
  ): Promise<void>;
}
