import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDevFaults } from './readDevFaults.js';

const dir = mkdtempSync(join(tmpdir(), 'podsgd-dev-faults-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(text: string): string {
  const path = join(dir, `${String(Math.random()).slice(2)}.json`);
  writeFileSync(path, text);
  return path;
}

describe('readDevFaults', () => {
  it('reads both emulators’ rules and the watch history', async () => {
    const path = file(
      '{"ec2":[{"action":"*","rate":0.1,"effect":"throttle"}],"kubernetes":[{"fault":"dropWatch","rate":0.5}],"watchHistory":30}',
    );
    expect(await readDevFaults(path)).toEqual({
      file: path,
      ec2: [{ action: '*', rate: 0.1, effect: 'throttle' }],
      kubernetes: [{ fault: 'dropWatch', rate: 0.5 }],
      watchHistory: 30,
    });
  });

  it.each([
    ['not JSON', '{', /--faults .*: /],
    ['not an object', '[]', /not a JSON object/],
    ['an unknown field', '{"ec3":[]}', /unknown field ec3/],
    ['ec2 not a list', '{"ec2":{}}', /ec2: not a list/],
    ['a bad watch history', '{"watchHistory":0}', /watchHistory: not a positive integer/],
  ])('names the problem: %s', async (_what, text, message) => {
    await expect(readDevFaults(file(text))).rejects.toThrow(message);
  });

  it('a missing file is Unreadable', async () => {
    await expect(readDevFaults(join(dir, 'none.json'))).rejects.toMatchObject({
      kind: 'Unreadable',
    });
  });
});
