import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeAgentSettings } from '../../agent/models/nodeAgentSettings.js';
import { controllerSettings } from '../../controller/models/controllerSettings.js';
import type { SettingSpec } from './SettingSpec.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The README's configuration table of one command: the text between its heading and the next table. */
function table(command: string): string {
  const start = readme.indexOf(`\`${command}\``, readme.indexOf('### Configuration'));
  return readme.slice(start, readme.indexOf('\n\n', readme.indexOf('| ---', start)));
}

describe('README configuration tables', () => {
  it.each([
    ['podsgd controller', controllerSettings],
    ['podsgd node-agent', nodeAgentSettings],
  ] as const)('list every flag and variable of %s', (command, settings) => {
    const text = table(command);
    for (const spec of Object.values(settings) as SettingSpec<unknown>[]) {
      const flag = spec.flag.split(' ', 1)[0] ?? '';
      expect(text, flag).toContain(`\`${flag}\``);
      for (const variable of spec.env)
        expect(text, `${flag} ${variable}`).toContain(`\`${variable}\``);
    }
  });
});
