import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runPodsgd } from '../../cli/runPodsgd.js';
import type { SimulationReport } from '../../simulate/models/SimulationReport.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const quickstart = 'examples/scenarios/quickstart.yaml';
const scratch = mkdtempSync(join(tmpdir(), 'podsgd-simulate-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `podsgd simulate …args` in-process from the repository root. */
async function simulate(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runPodsgd(['node', 'podsgd', 'simulate', ...args], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    cwd: repoRoot,
  });
  return { code, stdout, stderr };
}

function scenarioFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('podsgd simulate', () => {
  it('prints a readable summary of the quickstart and exits 0', async () => {
    const { code, stdout, stderr } = await simulate(quickstart);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Simulated cluster "quickstart" for 600 s \(strategy podsg, seed 1\)/);
    expect(stdout).toMatch(
      /default\/batch-1\s+node-\w\s+sg-00000000000000001,sg-0fedcba9876543210\s+eni-\w+\s+\d+/,
    );
    expect(stdout).toMatch(/Pod ready \(creation to branch annotation\): p50 [\d.]+ s/);
    expect(stdout).toContain('Leaked interfaces: 0');
    expect(stdout).toContain('Invariants: all held');
  });

  it('prints one JSON report with the fields the architecture document promises', async () => {
    const { code, stdout } = await simulate(quickstart, '--json', '--seed', '3');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SimulationReport;
    expect(report.scenario.seed).toBe(3);
    for (const key of [
      'pods',
      'networkInterfaces',
      'ec2Calls',
      'ec2Throttled',
      'podReadySeconds',
      'leakedInterfaces',
      'violations',
      'events',
    ]) {
      expect(report).toHaveProperty(key);
    }
    const pod = report.pods.find((p) => p.name === 'web-1');
    expect(pod).toMatchObject({
      namespace: 'default',
      node: expect.stringMatching(/^node-/) as unknown,
    });
    expect(pod?.branch).toMatchObject({
      eniId: expect.stringMatching(/^eni-/) as unknown,
      vlanId: expect.any(Number) as unknown,
    });
    expect(report.pods.find((p) => p.name === 'plain-1')?.branch).toBeNull();
    expect(Object.keys(report.podReadySeconds).sort()).toEqual(['max', 'p50', 'p90', 'p99']);
  });

  it.each(
    readdirSync(join(repoRoot, 'examples/scenarios')).filter((name) => name.endsWith('.yaml')),
  )('runs the shipped scenario %s with every invariant held and nothing leaked', async (name) => {
    const { code, stdout, stderr } = await simulate(`examples/scenarios/${name}`, '--json');
    // Nothing on stderr but progress lines, which a run longer than two seconds prints.
    for (const line of stderr.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(/^podsgd simulate: t=[\d.]+s of \d+s simulated, \d+ pods$/);
    }
    const report = JSON.parse(stdout) as SimulationReport;
    expect(report.violations).toEqual([]);
    expect(report.leakedInterfaces).toBe(0);
    expect(report.podsWaitingForBranch).toBe(0);
    expect(report.pods.filter((pod) => pod.branch !== null).length).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  it('reports the injected EC2 faults and the controller restarts of a scenario', async () => {
    const { stdout } = await simulate('examples/scenarios/faults-and-restarts.yaml', '--json');
    const report = JSON.parse(stdout) as SimulationReport;
    expect(report.controllerRestarts).toEqual([15, 80]);
    expect(report.ec2Faults.map((fault) => fault.api)).toEqual(
      [...report.ec2Faults.map((fault) => fault.api)].sort(),
    );
    const faults = report.ec2Faults.reduce((sum, fault) => sum + fault.count, 0);
    expect(faults).toBeGreaterThan(0);
    const text = (await simulate('examples/scenarios/faults-and-restarts.yaml')).stdout;
    expect(text).toContain(`EC2 faults injected: ${faults}`);
    expect(text).toContain('Controller restarts: 2, at 15 s, 80 s');
  });

  it('exits 2 naming every bad field of an invalid scenario, before simulating anything', async () => {
    const text = readFileSync(join(repoRoot, quickstart), 'utf8')
      .replace('instanceType: c5.xlarge', 'instanceType: c5.gigantic')
      .replace('until: 600s', 'until: soon');
    const { code, stdout, stderr } = await simulate(scenarioFile('bad.yaml', text));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'cluster.nodes[0].instanceType: unknown EC2 instance type "c5.gigantic"',
    );
    expect(stderr).toContain('until: must be a duration');
  });

  it('exits 2 for an unreadable file or a bad seed, saying why', async () => {
    const missing = await simulate(join(scratch, 'missing.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'missing.yaml: cannot read: no such file or directory (ENOENT)',
    );
    const directory = await simulate(scratch);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('cannot read: is a directory (EISDIR)');
    for (const seed of ['abc', '', ' 1', '-1', '1e3', '1.5']) {
      const badSeed = await simulate(quickstart, '--seed', seed);
      expect(badSeed.code, `--seed '${seed}'`).toBe(2);
      expect(badSeed.stderr).toContain(`--seed must be a whole number ≥ 0, not "${seed}"`);
    }
  });

  it('refuses an alias bomb with a named reason, not a stack trace', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const { code, stderr } = await simulate(scenarioFile('bomb.yaml', levels.join('\n')));
    expect(code).toBe(2);
    expect(stderr).toContain('(file): YAML refused: aliases expand more than 100 times');
    expect(stderr).not.toContain('    at ');
  });

  it('refuses a misspelt policy field instead of silently matching on the other selector', async () => {
    const text = readFileSync(join(repoRoot, quickstart), 'utf8').replace(
      'podSelector: { matchLabels: { app: web } }',
      'podSelectr: { matchLabels: { app: web } }\n      serviceAccountSelector: { matchLabels: { role: batch } }',
    );
    expect(text).toContain('podSelectr');
    const { code, stderr } = await simulate(scenarioFile('typo.yaml', text));
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /objects\[\d+\]\.spec\.podSelectr: unknown field \(did you mean podSelector\?\)/,
    );
  });

  it('bounds until to one simulated day', async () => {
    const text = readFileSync(join(repoRoot, quickstart), 'utf8').replace(
      /^until: .*$/m,
      'until: 2d',
    );
    const days = await simulate(
      scenarioFile('days.yaml', text.replace('until: 2d', 'until: 90000s')),
    );
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('until: must be at most 86400s (one simulated day)');
  });
});
