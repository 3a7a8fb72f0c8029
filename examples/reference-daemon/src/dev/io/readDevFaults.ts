import type { FakeEc2Server, FakeKubernetesServer } from '@podsg/adapters-fake';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { readInputFile } from '../../io/readInputFile.js';

/** The `podsgd dev --faults` file: wire fault rules of both emulators, and the watch history kept. */
export interface DevFaults {
  file: string;
  ec2: Parameters<FakeEc2Server['setFaults']>[0];
  kubernetes: Parameters<FakeKubernetesServer['setFaults']>[0];
  watchHistory?: number;
}

/**
 * Reads and checks `podsgd dev --faults FILE`; the rules themselves are validated by the
 * emulators when switched on. Throws `PodsgdCliError` `Unreadable` or `InvalidInput` naming the field.
 */
export async function readDevFaults(file: string): Promise<DevFaults> {
  const fail = (message: string): never => {
    throw new PodsgdCliError('InvalidInput', `--faults ${file}: ${message}`, file);
  };
  const text = await readInputFile(file, `--faults ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    fail(cause instanceof Error ? cause.message : String(cause));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('not a JSON object');
  }
  const { ec2 = [], kubernetes = [], watchHistory, ...rest } = parsed as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) {
    fail(`unknown field ${unknownKeys.join(', ')} (ec2, kubernetes, watchHistory)`);
  }
  if (!Array.isArray(ec2)) fail('ec2: not a list');
  if (!Array.isArray(kubernetes)) fail('kubernetes: not a list');
  if (watchHistory !== undefined && !(Number.isInteger(watchHistory) && Number(watchHistory) > 0)) {
    fail('watchHistory: not a positive integer');
  }
  return {
    file,
    ec2: ec2 as DevFaults['ec2'],
    kubernetes: kubernetes as DevFaults['kubernetes'],
    ...(watchHistory === undefined ? {} : { watchHistory: Number(watchHistory) }),
  };
}
