import { AllocatorError } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { kubernetesFailureOf, toAllocatorError, transportError } from './toAllocatorError.js';

const status = (code: number, reason: string, extra: object = {}): string =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message: `${reason} happened`,
    ...extra,
  });

describe('toAllocatorError', () => {
  it.each([
    [409, 'Conflict', 'Conflict'],
    [409, 'AlreadyExists', 'Conflict'],
    [404, 'NotFound', 'NotFound'],
    [429, 'TooManyRequests', 'Throttled'],
    [500, 'InternalError', 'Transient'],
    [503, 'ServiceUnavailable', 'Transient'],
    [504, 'Timeout', 'Transient'],
    [410, 'Expired', 'Transient'],
    [401, 'Unauthorized', 'Unauthorized'],
    [403, 'Forbidden', 'Unauthorized'],
    [400, 'BadRequest', 'InvalidParameter'],
    [422, 'Invalid', 'InvalidParameter'],
  ])('maps %i %s to %s, with status and reason on the code', (code, reason, kind) => {
    const error = toAllocatorError('patch pods default/web', code, status(code, reason), undefined);
    expect(error.kind).toBe(kind);
    expect(error.code).toBe(`${code} ${reason}`);
    expect(error.message).toBe(`patch pods default/web: ${code} ${reason}: ${reason} happened`);
  });

  it('treats a 422 on metadata.uid (a patch whose UID precondition failed) as Conflict', () => {
    const body = status(422, 'Invalid', {
      details: {
        causes: [
          { reason: 'FieldValueInvalid', field: 'metadata.uid', message: 'field is immutable' },
        ],
      },
    });
    const error = toAllocatorError('annotate', 422, body, undefined);
    expect(error.kind).toBe('Conflict');
    expect(kubernetesFailureOf(error)?.causeFields).toEqual(['metadata.uid']);
  });

  it('reads Retry-After seconds from the header, else from details.retryAfterSeconds', () => {
    expect(
      kubernetesFailureOf(toAllocatorError('x', 429, status(429, 'TooManyRequests'), '3'))
        ?.retryAfterMs,
    ).toBe(3000);
    const detailed = status(429, 'TooManyRequests', { details: { retryAfterSeconds: 2 } });
    expect(kubernetesFailureOf(toAllocatorError('x', 429, detailed, undefined))?.retryAfterMs).toBe(
      2000,
    );
    expect(kubernetesFailureOf(toAllocatorError('x', 429, '', 'soon'))?.retryAfterMs).toBeNull();
  });

  it('keeps a body that is not a Status (a proxy page) as the message, reason from the status code', () => {
    const error = toAllocatorError('list pods', 502, '<html>Bad Gateway</html>', undefined);
    expect(error.kind).toBe('Transient');
    expect(error.code).toBe('502 Unknown');
    expect(error.message).toContain('<html>Bad Gateway</html>');
  });

  it('names network failures Transient with their reason as code', () => {
    const error = transportError('watch pods', 'MalformedWatchEvent', 'a line is not JSON');
    expect(AllocatorError.isRetryable(error)).toBe(true);
    expect(error.code).toBe('MalformedWatchEvent');
    expect(kubernetesFailureOf(error)?.httpStatus).toBe(0);
    expect(kubernetesFailureOf(new AllocatorError('Transient', 'other'))).toBeNull();
  });
});
