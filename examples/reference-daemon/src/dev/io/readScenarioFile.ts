import { readFile } from 'node:fs/promises';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { isKnownInstanceType } from '../../simulate/calculations/isKnownInstanceType.js';
import { parseScenario } from '../../simulate/calculations/parseScenario.js';
import type { Scenario } from '../../simulate/models/Scenario.js';

/** Reads and validates a scenario file given to `flag`; errors name the flag and the file. */
export async function readScenarioFile(file: string, flag: string): Promise<Scenario> {
  const text = await readFile(file, 'utf8').catch((cause: unknown) => {
    throw new PodsgdCliError(
      'Unreadable',
      `${flag} ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
      file,
    );
  });
  try {
    return parseScenario(text, { isKnownInstanceType });
  } catch (error) {
    throw new PodsgdCliError(
      'InvalidInput',
      `${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      file,
    );
  }
}
