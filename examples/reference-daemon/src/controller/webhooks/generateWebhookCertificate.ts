import { generate } from 'selfsigned';

/** A CA and a serving certificate it signed, all PEM. */
export interface GeneratedWebhookCertificate {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * A throwaway CA (ECDSA P-256, valid one year) and a serving certificate it signs for
 * `dnsNames` (the webhook Service's names, e.g. `podsg-webhook.podsg-system.svc`), for
 * `--self-signed-webhook-cert`: clusters without cert-manager. The CA's key is never written
 * anywhere; a restart makes a new pair and writes the new CA into the webhook configurations.
 */
export async function generateWebhookCertificate(
  dnsNames: readonly string[],
  now: Date = new Date(),
): Promise<GeneratedWebhookCertificate> {
  if (dnsNames.length === 0) throw new RangeError('dnsNames must name at least one host');
  const notAfterDate = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'podsg webhook CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    curve: 'P-256',
    notBeforeDate: now,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const serving = await generate([{ name: 'commonName', value: dnsNames[0] ?? '' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    curve: 'P-256',
    notBeforeDate: now,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: dnsNames.map((value) =>
          /^[\d.]+$|:/.test(value) ? { type: 7 as const, ip: value } : { type: 2 as const, value },
        ),
      },
    ],
  });
  return { caCert: ca.cert, cert: serving.cert, key: serving.private };
}
