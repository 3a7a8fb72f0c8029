import type { Command } from 'commander';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import { rawSetting } from './readSetting.js';

/** One setting of a podsgd command: its flag, environment variables, parser and default. */
export interface SettingSpec<T> {
  /** Flag with its value placeholder, e.g. `--lease-duration <duration>`; a bare flag is a switch. */
  readonly flag: string;
  readonly env: readonly string[];
  readonly description: string;
  readonly parse: (text: string) => T;
  /** The default, or `required` when the setting must be given. */
  readonly fallback: T | 'required';
  /** How `--help` shows the default when not as JSON (durations: `15s`, not 15000). */
  readonly fallbackText?: string;
}

/** A setting without default (undefined when not given). */
export function optional<T>(
  spec: Omit<SettingSpec<T | undefined>, 'fallback'>,
): SettingSpec<T | undefined> {
  return { ...spec, fallback: undefined };
}

/** A table of settings; `SettingsOf` is the parsed configuration it yields. */
export type SettingTable = Readonly<Record<string, SettingSpec<unknown>>>;

/** The configuration a setting table parses to. */
export type SettingsOf<Table extends SettingTable> = {
  -readonly [K in keyof Table]: Table[K] extends SettingSpec<infer T> ? T : never;
};

/** Declares every setting of `table` as an option of `command` (help shows flag, env, default). */
export function declareSettings(command: Command, table: SettingTable): Command {
  for (const spec of Object.values(table)) {
    const fallback =
      spec.fallbackText !== undefined
        ? ` (default ${spec.fallbackText})`
        : spec.fallback === 'required'
          ? ' (required)'
          : spec.fallback === undefined
            ? ''
            : ` (default ${JSON.stringify(spec.fallback)})`;
    const env = spec.env.length === 0 ? '' : ` [env ${spec.env.join(', ')}]`;
    command.option(spec.flag, `${spec.description}${fallback}${env}`);
  }
  return command;
}

/**
 * Parses the options commander collected (camelCase keys) and the environment against `table`.
 * Every bad or missing value throws `PodsgdCliError` `Usage` naming the flag (and the variable
 * it came from), before anything starts.
 */
export function parseSettings<Table extends SettingTable>(
  table: Table,
  options: Readonly<Record<string, unknown>>,
  environment: Readonly<Record<string, string | undefined>>,
): SettingsOf<Table> {
  const parsed: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const flag = spec.flag.split(' ', 1)[0] ?? spec.flag;
    const value = options[optionKey(flag)];
    const raw = rawSetting(
      {
        flag,
        value: typeof value === 'string' || typeof value === 'boolean' ? value : undefined,
        env: spec.env,
      },
      environment,
    );
    if (raw === undefined) {
      if (spec.fallback === 'required') {
        const env = spec.env.length === 0 ? '' : ` (or environment ${spec.env.join(', ')})`;
        throw new PodsgdCliError('Usage', `${flag}${env} is required`);
      }
      parsed[key] = spec.fallback;
      continue;
    }
    try {
      parsed[key] = spec.parse(raw.text);
    } catch (error) {
      throw new PodsgdCliError(
        'Usage',
        `${raw.from}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return parsed as SettingsOf<Table>;
}

/** Commander's key for a flag: `--lease-duration` → `leaseDuration`. */
function optionKey(flag: string): string {
  return flag
    .replace(/^--/, '')
    .replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}
