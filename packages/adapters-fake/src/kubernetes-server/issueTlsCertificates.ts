import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AllocatorError } from '@podsg/allocator';

const run = promisify(execFile);

/** A fresh certificate authority and one serving certificate it signed, all PEM. */
export interface TlsCertificates {
  /** The CA certificate: what clients trust (a kubeconfig's certificate-authority-data, a webhook's caBundle). */
  caPem: string;
  /** The serving certificate, signed by the CA. */
  certificatePem: string;
  /** The serving certificate's private key (PKCS#8). */
  keyPem: string;
}

/**
 * Issues a throw-away CA and a serving certificate for `hosts` (IP addresses and DNS names;
 * default 127.0.0.1, ::1 and localhost), ECDSA P-256, valid `days` (default 365). Runs the
 * `openssl` command (Node has no X.509 writer); rejects with `AllocatorError` `Transient` when
 * it is missing or fails.
 */
export async function issueTlsCertificates(
  options: { hosts?: readonly string[]; commonName?: string; days?: number } = {},
): Promise<TlsCertificates> {
  const hosts = options.hosts ?? ['127.0.0.1', '::1', 'localhost'];
  const days = String(options.days ?? 365);
  const altNames = hosts
    .map((host) => (/^[0-9.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`))
    .join(',');
  const directory = await mkdtemp(join(tmpdir(), 'podsg-tls-'));
  const path = (name: string): string => join(directory, name);
  const openssl = async (...args: string[]): Promise<void> => {
    try {
      await run('openssl', args, { timeout: 30_000 });
    } catch (error) {
      throw new AllocatorError(
        'Transient',
        `openssl ${args[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  };
  try {
    const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      'req',
      '-x509',
      ...curve,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.crt'),
      '-days',
      days,
      '-subj',
      '/CN=podsg-fake-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    await openssl(
      'req',
      ...curve,
      '-keyout',
      path('server.key'),
      '-out',
      path('server.csr'),
      '-subj',
      `/CN=${options.commonName ?? hosts[0] ?? 'localhost'}`,
    );
    await writeFile(
      path('server.ext'),
      `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.crt'),
      '-days',
      days,
      '-extfile',
      path('server.ext'),
    );
    const [caPem, certificatePem, keyPem] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(path(name), 'utf8')),
    );
    return { caPem: caPem ?? '', certificatePem: certificatePem ?? '', keyPem: keyPem ?? '' };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
