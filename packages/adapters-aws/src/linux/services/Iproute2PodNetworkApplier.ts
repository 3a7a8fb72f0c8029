import { accessSync, writeFileSync } from 'node:fs';
import { CniError } from '@podsg/cni';
import type {
  NetworkSnapshot,
  PlanStep,
  PodNetworkApplier,
  PodSandbox,
  RoutePlan,
} from '@podsg/cni';
import { describePlanStep } from '../calculations/describePlanStep.js';
import { parseIpBatchFailures } from '../calculations/parseIpBatchFailures.js';
import { parseIpSnapshot } from '../calculations/parseIpSnapshot.js';
import { renderPlanStep } from '../calculations/renderPlanStep.js';
import type { ExecNs, IpCommand, RenderedStep } from '../calculations/renderPlanStep.js';
import { UnsafeTokenError, safeNetnsPath } from '../calculations/safeTokens.js';
import type { CommandOutcome, CommandRunner } from '../ports/CommandRunner.js';
import { spawnCommand } from './spawnCommand.js';

/** Options of `Iproute2PodNetworkApplier`; production needs none. */
export interface Iproute2Options {
  /**
   * Run `host` steps in this network namespace (a path, entered with `nsenter --net=`) instead of
   * the caller's. For tests that stand a throwaway namespace in for the node.
   */
  hostNetns?: string;
  /** The `ip` program (default `ip`, found on `PATH`). */
  ipPath?: string;
  /** The `nsenter` program of util-linux (default `nsenter`). */
  nsenterPath?: string;
  /** The `tee` program, which writes sysctls inside another namespace (default `tee`). */
  teePath?: string;
  /** How processes run (default: `child_process.spawn`, no shell). For unit tests. */
  runCommand?: CommandRunner;
}

/** A batch line with the plan step it comes from. */
interface BatchLine {
  command: IpCommand;
  stepIndex: number;
}

/** Consecutive steps that run in one namespace with one tool. */
interface Segment {
  exec: ExecNs;
  steps: RenderedStep[];
}

const SNAPSHOT_BATCH = [
  'link show',
  'addr show',
  'neigh show nud permanent',
  'route show table all',
  'rule show',
];
const SNAPSHOT_V6_BATCH = ['route show table all', 'rule show'];
const NO_FAMILY = /Address family not supported/;

/** Synchronous on purpose: one stat, where node:fs/promises would cost the plugin a module load. */
function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `PodNetworkApplier` on iproute2: renders a plan to `ip -batch -` input, runs `host` steps in
 * the caller's namespace and `pod` steps through `nsenter --net=<CNI_NETNS>`, and reads state with
 * `ip -j`.
 *
 * The steps that run in the host namespace run first, in plan order, then those that run in the
 * pod's, in plan order; each group is one batch, so wiring a pod costs two processes (one `ip`,
 * one `nsenter` that becomes `ip`), plus one `ip -6` for IPv6 rules. Hoisting the host steps is
 * safe because no plan step in the pod namespace creates anything the host namespace uses: the
 * one step that spans both, `link.add.veth`, runs on the host and so comes before every pod step.
 * When every step is a deletion (a teardown), the two namespaces' batches run at the same time:
 * deletions do not depend on each other.
 *
 * A batch runs without `-force`, so `ip` stops at the first failing line; when that failure is one
 * the plan allows (a delete of something already gone, an address or rule that already exists),
 * the rest of the batch runs in a fresh process. A batch of deletions only runs with `-force`, in
 * one process, reading every failure from stderr (`<message>` then `Command failed -:<line>`).
 * Every value is validated before any command runs, so a bad plan changes nothing.
 */
export class Iproute2PodNetworkApplier implements PodNetworkApplier {
  readonly #hostNetns: string | undefined;
  readonly #ip: string;
  readonly #nsenter: string;
  readonly #tee: string;
  readonly #run: CommandRunner;

  constructor(options: Iproute2Options = {}) {
    this.#hostNetns =
      options.hostNetns === undefined ? undefined : safeNetnsPath('hostNetns', options.hostNetns);
    this.#ip = options.ipPath ?? 'ip';
    this.#nsenter = options.nsenterPath ?? 'nsenter';
    this.#tee = options.teePath ?? 'tee';
    this.#run = options.runCommand ?? spawnCommand;
  }

  async apply(plan: RoutePlan, sandbox: PodSandbox | null): Promise<void> {
    const podNetns = sandbox === null ? null : checkedNetns(sandbox.netns);
    const rendered = plan.steps.map((step, index) => {
      try {
        return renderPlanStep(step, index, podNetns);
      } catch (error) {
        if (!(error instanceof UnsafeTokenError)) throw error;
        throw new CniError(
          'ApplyFailed',
          `step ${String(index + 1)} ${describePlanStep(step)} is invalid: ${error.message}`,
          { cause: error },
        );
      }
    });
    const touchesPod = (step: RenderedStep): boolean =>
      step.exec === 'pod' || plan.steps[step.stepIndex]?.op === 'link.add.veth';
    const podPresent = podNetns !== null && rendered.some(touchesPod) ? exists(podNetns) : false;

    const runSegment = async (segment: Segment): Promise<void> => {
      if (segment.steps.some(touchesPod) && !podPresent) {
        // A teardown succeeds when the pod namespace (and with it the pod's side) is gone.
        const blocking = segment.steps.find((step) => !step.deletion);
        if (blocking === undefined) return;
        throw this.#failure(
          plan,
          blocking.stepIndex,
          podNetns === null
            ? 'no pod network namespace was given'
            : `pod network namespace ${podNetns} does not exist`,
        );
      }
      const first = segment.steps[0];
      if (first?.kind === 'sysctl') {
        await this.#writeSysctl(plan, first, podNetns);
        return;
      }
      const lines = segment.steps.flatMap((step) =>
        step.kind === 'ip'
          ? step.commands.map((command) => ({ command, stepIndex: step.stepIndex }))
          : [],
      );
      // IPv6 rules run after the segment's other steps: rules of different families do not interact.
      await this.#runBatch(plan, segment.exec, podNetns, 'any', lines.filter(isFamily('any')));
      await this.#runBatch(plan, segment.exec, podNetns, 'inet6', lines.filter(isFamily('inet6')));
    };

    const ordered = segments([
      ...rendered.filter((step) => step.exec === 'host'),
      ...rendered.filter((step) => step.exec === 'pod'),
    ]);
    if (rendered.every((step) => step.deletion)) {
      const outcomes = await Promise.allSettled(ordered.map(runSegment));
      // Every batch has run to its end; the host namespace's failure, if any, is reported first.
      const failed = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
      );
      if (failed.length > 0) throw failed[0];
      return;
    }
    for (const segment of ordered) await runSegment(segment);
  }

  async snapshot(sandbox: PodSandbox | null): Promise<NetworkSnapshot> {
    const podNetns = sandbox === null ? null : checkedNetns(sandbox.netns);
    if (podNetns !== null && !exists(podNetns)) {
      throw new CniError('NotFound', `pod network namespace ${podNetns} does not exist`);
    }
    const exec: ExecNs = podNetns === null ? 'host' : 'pod';
    const [main, inet6] = await Promise.all([
      this.#runIp(exec, podNetns, ['-j', '-d', '-N', '-batch', '-'], SNAPSHOT_BATCH),
      this.#runIp(exec, podNetns, ['-j', '-N', '-6', '-batch', '-'], SNAPSHOT_V6_BATCH),
    ]);
    const mainDocuments = this.#documents(main, SNAPSHOT_BATCH.length, exec, podNetns);
    // A kernel without IPv6 has no IPv6 routes or rules.
    const inet6Documents =
      inet6.exitCode !== 0 && NO_FAMILY.test(inet6.stderr)
        ? [[], []]
        : this.#documents(inet6, SNAPSHOT_V6_BATCH.length, exec, podNetns);
    const [links, addresses, neighbours, routes, rules] = mainDocuments;
    const [routes6, rules6] = inet6Documents;
    return parseIpSnapshot({
      links,
      addresses,
      neighbours,
      routes: [routes, routes6],
      rules: { inet: rules, inet6: rules6 },
    });
  }

  #documents(
    outcome: CommandOutcome,
    count: number,
    exec: ExecNs,
    podNetns: string | null,
  ): unknown[] {
    const where = exec === 'host' ? 'the host namespace' : `pod namespace ${String(podNetns)}`;
    if (outcome.exitCode !== 0) {
      if (exec === 'pod' && /cannot open/.test(outcome.stderr)) {
        throw new CniError('NotFound', `pod network namespace ${String(podNetns)} does not exist`, {
          cause: new Error(outcome.stderr.trim()),
        });
      }
      throw new CniError('IoFailure', `could not read the network state of ${where}`, {
        cause: new Error(outcome.stderr.trim()),
      });
    }
    const lines = outcome.stdout.split('\n').filter((line) => line.trim() !== '');
    try {
      if (lines.length !== count) throw new Error(`expected ${String(count)} JSON documents`);
      return lines.map((line) => JSON.parse(line) as unknown);
    } catch (error) {
      throw new CniError('IoFailure', `could not parse ip -j output of ${where}`, {
        cause: error,
      });
    }
  }

  /** Runs `ip <options>` with batch input in the namespace `exec`. */
  #runIp(
    exec: ExecNs,
    podNetns: string | null,
    options: readonly string[],
    lines: readonly string[],
  ): Promise<CommandOutcome> {
    const stdin = lines.map((line) => `${line}\n`).join('');
    const netns = exec === 'pod' ? podNetns : (this.#hostNetns ?? null);
    return netns === null
      ? this.#run(this.#ip, options, stdin)
      : this.#run(this.#nsenter, [`--net=${netns}`, '--', this.#ip, ...options], stdin);
  }

  async #runBatch(
    plan: RoutePlan,
    exec: ExecNs,
    podNetns: string | null,
    family: 'any' | 'inet6',
    lines: readonly BatchLine[],
  ): Promise<void> {
    const force = lines.every((line) => isDeletion(plan.steps[line.stepIndex]));
    let start = 0;
    while (start < lines.length) {
      const pending = lines.slice(start);
      const options = [
        ...(family === 'inet6' ? ['-6'] : []),
        ...(force ? ['-force'] : []),
        '-batch',
        '-',
      ];
      let outcome: CommandOutcome;
      try {
        outcome = await this.#runIp(
          exec,
          podNetns,
          options,
          pending.map((line) => line.command.words.join(' ')),
        );
      } catch (error) {
        throw this.#failure(plan, pending[0]?.stepIndex ?? 0, 'could not run ip', error);
      }
      if (outcome.exitCode === 0) return;
      const failures = parseIpBatchFailures(outcome.stderr);
      if (failures.length === 0) {
        throw this.#failure(plan, pending[0]?.stepIndex ?? 0, outcome.stderr.trim());
      }
      let resumeAt = lines.length;
      for (const failure of failures) {
        const line = pending[failure.line - 1];
        if (line === undefined) {
          throw this.#failure(plan, pending[0]?.stepIndex ?? 0, outcome.stderr.trim());
        }
        if (line.command.alreadyDone?.test(failure.message) !== true) {
          throw this.#failure(plan, line.stepIndex, failure.message);
        }
        resumeAt = start + failure.line;
      }
      start = force ? lines.length : resumeAt;
    }
  }

  async #writeSysctl(
    plan: RoutePlan,
    step: Extract<RenderedStep, { kind: 'sysctl' }>,
    podNetns: string | null,
  ): Promise<void> {
    const netns = step.exec === 'pod' ? podNetns : (this.#hostNetns ?? null);
    try {
      if (netns === null) {
        writeFileSync(step.path, step.value);
        return;
      }
      // /proc/sys/net shows the namespace of the process that opens it, so write from inside.
      const outcome = await this.#run(
        this.#nsenter,
        [`--net=${netns}`, '--', this.#tee, step.path],
        step.value,
      );
      if (outcome.exitCode !== 0) throw new Error(outcome.stderr.trim());
    } catch (error) {
      throw this.#failure(plan, step.stepIndex, `could not write ${step.path}`, error);
    }
  }

  #failure(plan: RoutePlan, stepIndex: number, message: string, cause?: unknown): CniError {
    const step = plan.steps[stepIndex];
    const what = step === undefined ? 'the plan' : describePlanStep(step);
    return new CniError(
      'ApplyFailed',
      `step ${String(stepIndex + 1)} of ${String(plan.steps.length)} failed: ${what}: ${message}`,
      { details: message, cause: cause ?? new Error(message) },
    );
  }
}

function checkedNetns(path: string): string {
  try {
    return safeNetnsPath('CNI_NETNS', path);
  } catch (error) {
    throw new CniError('InvalidEnvironment', (error as Error).message, { cause: error });
  }
}

function isDeletion(step: PlanStep | undefined): boolean {
  return step?.op === 'link.del' || step?.op === 'route.del' || step?.op === 'rule.del';
}

function isFamily(family: 'any' | 'inet6'): (line: BatchLine) => boolean {
  return (line) => line.command.family === family;
}

/** Groups consecutive `ip` steps of one namespace; every sysctl is its own segment. */
function segments(rendered: readonly RenderedStep[]): Segment[] {
  const result: Segment[] = [];
  for (const step of rendered) {
    const last = result.at(-1);
    const joinable =
      last !== undefined &&
      last.exec === step.exec &&
      step.kind === 'ip' &&
      last.steps[0]?.kind === 'ip';
    if (joinable) last.steps.push(step);
    else result.push({ exec: step.exec, steps: [step] });
  }
  return result;
}
