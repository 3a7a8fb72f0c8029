import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { readInputFile } from '../../io/readInputFile.js';
import { isKnownInstanceType } from '../calculations/isKnownInstanceType.js';
import { parseScenario } from '../calculations/parseScenario.js';
import type { Scenario } from '../models/Scenario.js';
import { ScenarioError } from '../models/ScenarioError.js';

/** How {@link readScenarioFile} names the file and what it may leave out. */
export interface ScenarioFileOptions {
  /** The flag that named the file (`--fake-cloud`), shown before it in messages. */
  readonly flag?: string;
  /** `until` for a file without one, for readers that do not simulate; otherwise it is required. */
  readonly defaultUntilSeconds?: number;
}

/**
 * Reads and validates a scenario file the operator named (`podsgd simulate`, `--fake-cloud`,
 * `podsgd dev --cluster` and `--scenario`): size-capped by `readInputFile`, parsed by
 * `parseScenario` (one YAML document, every field checked, alias bombs refused).
 *
 * @param path - the path to open
 * @param file - the path as the operator wrote it, for messages
 * @throws PodsgdCliError `Unreadable` when the file cannot be read, `InvalidInput` listing
 * every bad field
 */
export async function readScenarioFile(
  path: string,
  file: string,
  options: ScenarioFileOptions = {},
): Promise<Scenario> {
  const shown = options.flag === undefined ? file : `${options.flag} ${file}`;
  const text = await readInputFile(path, shown);
  try {
    return parseScenario(text, {
      isKnownInstanceType,
      ...(options.defaultUntilSeconds === undefined
        ? {}
        : { defaultUntilSeconds: options.defaultUntilSeconds }),
    });
  } catch (error) {
    if (!ScenarioError.is(error)) throw error;
    const lines = error.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new PodsgdCliError(
      'InvalidInput',
      `${shown}: invalid scenario\n${lines.join('\n')}`,
      file,
      {
        cause: error,
      },
    );
  }
}
