import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInputFile, unreadableFile } from './readInputFile.js';

const scratch = mkdtempSync(join(tmpdir(), 'podsgd-read-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('readInputFile', () => {
  it('reads a file', async () => {
    writeFileSync(join(scratch, 'a.yaml'), 'kind: Pod\n');
    await expect(readInputFile(join(scratch, 'a.yaml'), 'a.yaml')).resolves.toBe('kind: Pod\n');
  });

  it('says why a path cannot be read, naming it as the operator wrote it', async () => {
    await expect(readInputFile(join(scratch, 'nope.yaml'), 'nope.yaml')).rejects.toThrow(
      'nope.yaml: cannot read: no such file or directory (ENOENT)',
    );
    await expect(readInputFile(scratch, 'dir')).rejects.toThrow(
      'dir: cannot read: is a directory (EISDIR)',
    );
    await expect(readInputFile(join(scratch, 'a.yaml', 'x'), 'a.yaml/x')).rejects.toThrow(
      'a.yaml/x: cannot read: a part of the path is not a directory (ENOTDIR)',
    );
  });

  it('refuses a file larger than the limit before reading it', async () => {
    writeFileSync(join(scratch, 'big.yaml'), 'x'.repeat(100));
    await expect(readInputFile(join(scratch, 'big.yaml'), 'big.yaml', 99)).rejects.toThrow(
      'big.yaml: cannot read: 100 bytes is more than the 99 bytes podsgd reads from one file',
    );
  });

  it('names permission problems (EACCES)', async () => {
    expect(
      unreadableFile('s.yaml', Object.assign(new Error('x'), { code: 'EACCES' })).message,
    ).toBe('s.yaml: cannot read: permission denied (EACCES)');
    if (process.getuid?.() === 0) {
      console.log('readInputFile: running as root, which reads any file; EACCES checked by code');
      return;
    }
    writeFileSync(join(scratch, 'secret.yaml'), 'kind: Pod\n');
    chmodSync(join(scratch, 'secret.yaml'), 0o000);
    await expect(readInputFile(join(scratch, 'secret.yaml'), 'secret.yaml')).rejects.toThrow(
      'secret.yaml: cannot read: permission denied (EACCES)',
    );
  });
});
