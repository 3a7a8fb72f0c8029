import { describe, expect, it } from 'vitest';
import { parseIpBatchFailures } from './parseIpBatchFailures.js';

describe('parseIpBatchFailures', () => {
  it('attaches each message to the line number ip reports after it', () => {
    const stderr = [
      'Error: ipv4: Address already assigned.',
      'Command failed -:3',
      'RTNETLINK answers: No such file or directory',
      'Command failed -:9',
      'Cannot find device "nope"',
      'Command failed -:10',
      '',
    ].join('\n');
    expect(parseIpBatchFailures(stderr)).toEqual([
      { line: 3, message: 'Error: ipv4: Address already assigned.' },
      { line: 9, message: 'RTNETLINK answers: No such file or directory' },
      { line: 10, message: 'Cannot find device "nope"' },
    ]);
  });

  it('finds no failure in output without markers', () => {
    expect(parseIpBatchFailures('nsenter: cannot open /x: No such file or directory\n')).toEqual(
      [],
    );
  });
});
