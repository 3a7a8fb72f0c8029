import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { devWebhookConfiguration } from './devWebhookConfiguration.js';

const manifests = parseAllDocuments(
  readFileSync(
    fileURLToPath(new URL('../../../deploy/parts/40-webhooks.yaml', import.meta.url)),
    'utf8',
  ),
).map((document) => document.toJS() as Record<string, unknown>);

describe('devWebhookConfiguration', () => {
  it("points every webhook of deploy/ at the URL with its service path, trusting the CA, and keeps the operator's rules", () => {
    for (const manifest of manifests) {
      const dev = devWebhookConfiguration(manifest, 'https://127.0.0.1:9443', 'CA PEM');
      const webhooks = dev['webhooks'] as Record<string, Record<string, unknown>>[];
      const original = manifest['webhooks'] as Record<string, Record<string, unknown>>[];
      expect(webhooks).toHaveLength(original.length);
      webhooks.forEach((webhook, index) => {
        const service = original[index]?.['clientConfig']?.['service'] as { path: string };
        expect(webhook['clientConfig']).toEqual({
          url: `https://127.0.0.1:9443${service.path}`,
          caBundle: Buffer.from('CA PEM').toString('base64'),
        });
        expect(webhook['rules']).toEqual(original[index]?.['rules']);
        expect(webhook['failurePolicy']).toBe(original[index]?.['failurePolicy']);
        expect(webhook['namespaceSelector']).toEqual(original[index]?.['namespaceSelector']);
      });
      // cert-manager's injection annotation would fight the CA written here.
      expect((dev['metadata'] as Record<string, unknown>)['annotations']).toBeUndefined();
    }
  });

  it('refuses a configuration without a webhooks list', () => {
    expect(() =>
      devWebhookConfiguration({ kind: 'MutatingWebhookConfiguration' }, 'https://x', 'CA'),
    ).toThrow(/MutatingWebhookConfiguration: webhooks is not a list/);
  });
});
