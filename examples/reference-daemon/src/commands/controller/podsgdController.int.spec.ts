// `podsgd controller` as a real process against the in-process fake cloud: it leads, allocates,
// serves its webhooks over TLS and its ops port, and on SIGTERM releases the lease and exits 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const bin = join(repoRoot, 'examples/reference-daemon/bin/podsgd.js');
const build = spawnSync(
  process.execPath,
  [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'examples/reference-daemon'],
  { cwd: repoRoot, encoding: 'utf8' },
);
const why = existsSync(join(repoRoot, 'examples/reference-daemon/dist/bin/podsgd.js'))
  ? undefined
  : `podsgd could not be built: ${build.stdout}${build.stderr}`;
if (why) console.warn(`skipped: ${why}`);

const scratch = mkdtempSync(join(tmpdir(), 'podsgd-controller-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** A running podsgd process whose JSON log lines are collected. */
function start(args: string[]): {
  child: ChildProcess;
  lines: LogLine[];
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as LogLine);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

async function waitFor<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    }).on('error', reject);
  });
}

describe.skipIf(!!why)('podsgd controller (process)', () => {
  it('rejects bad configuration with status 2, naming the flag', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'controller', ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '' },
      });
    const missing = run('--fake-cloud', 'examples/scenarios/quickstart.yaml');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--cluster-name');
    const badDuration = run(
      '--cluster-name',
      'demo',
      '--fake-cloud',
      'x.yaml',
      '--lease-duration',
      'soon',
    );
    expect(badDuration.status).toBe(2);
    expect(badDuration.stderr).toContain('--lease-duration: must be a duration');
    const noMargin = run(
      '--cluster-name',
      'demo',
      '--fake-cloud',
      'x.yaml',
      '--lease-duration',
      '10s',
    );
    expect(noMargin.stderr).toContain('--renew-deadline must be shorter than --lease-duration');
    const production = run(
      '--cluster-name',
      'demo',
      '--region',
      'eu-west-1',
      '--tls-cert-file',
      '/nonexistent/tls.crt',
    );
    expect(production.status).toBe(2);
  });

  it('leads, allocates, serves webhooks and metrics; SIGTERM releases the lease and exits 0', async () => {
    const tlsDir = join(scratch, 'tls');
    const { child, lines, exited } = start([
      'controller',
      '--cluster-name',
      'demo',
      '--fake-cloud',
      'examples/scenarios/quickstart.yaml',
      '--self-signed-webhook-cert',
      '--tls-cert-file',
      join(tlsDir, 'tls.crt'),
      '--tls-key-file',
      join(tlsDir, 'tls.key'),
      '--webhook-host',
      '127.0.0.1',
      '--webhook-port',
      '0',
      '--ops-host',
      '127.0.0.1',
      '--ops-port',
      '0',
    ]);
    try {
      const serving = await waitFor(() => lines.find((line) => line.msg === 'controller serving'));
      const opsPort = serving['opsPort'] as number;
      const webhookPort = serving['webhookPort'] as number;
      await waitFor(() =>
        lines.filter((line) => line.msg === 'branch allocated').length >= 3 ? true : undefined,
      );
      const allocated = lines.find((line) => line.msg === 'branch allocated');
      expect(allocated).toMatchObject({
        component: 'controller',
        pod: expect.stringMatching(/^default\//),
        node: expect.any(String),
      });

      expect(await httpGet(opsPort, '/healthz')).toMatchObject({ status: 200 });
      expect(await httpGet(opsPort, '/readyz')).toMatchObject({ status: 200 });
      const metrics = (await httpGet(opsPort, '/metrics')).body;
      expect(metrics).toMatch(/^podsg_leader 1$/m);
      expect(metrics).toMatch(/^podsg_pods_annotated_total [3-9]$/m);
      expect(metrics).toMatch(
        /^podsg_ec2_call_duration_seconds_count\{api="CreateNetworkInterface"\} [1-9]/m,
      );

      const ca = readFileSync(join(tlsDir, 'ca.crt'), 'utf8');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: webhookPort,
            path: '/validate-v1-pod',
            method: 'POST',
            ca,
            servername: 'localhost',
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              resolve(res.statusCode ?? 0);
            });
          },
        );
        req.on('error', reject);
        req.end('not json');
      });
      expect(status).toBe(400);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const messages = lines.map((line) => line.msg);
      expect(messages).toContain('released the lease');
      expect(messages.indexOf('stopped leading: branch controller stopped')).toBeLessThan(
        messages.indexOf('released the lease'),
      );
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
