import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import { decodeJsonPatch, encodeJsonPatch } from './admissionReviewResponses.js';
import { applyJsonPatch } from './applyJsonPatch.js';

describe('applyJsonPatch', () => {
  const pod = { metadata: { name: 'web' }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } };

  it('adds members (with ~1 and ~0 escapes) and array items, leaving the input alone', () => {
    const patched = applyJsonPatch(pod, [
      { op: 'add', path: '/metadata/annotations', value: {} },
      { op: 'add', path: '/metadata/annotations/vpc.amazonaws.com~1pod-eni', value: '[]' },
      { op: 'add', path: '/metadata/annotations/a~0b', value: 'tilde' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'c' } },
      { op: 'add', path: '/spec/containers/0', value: { name: 'first' } },
    ]);
    expect(patched).toEqual({
      metadata: { name: 'web', annotations: { 'vpc.amazonaws.com/pod-eni': '[]', 'a~b': 'tilde' } },
      spec: { containers: [{ name: 'first' }, { name: 'a' }, { name: 'b' }, { name: 'c' }] },
    });
    expect(pod.spec.containers).toHaveLength(2);
    expect(pod.metadata).toEqual({ name: 'web' });
  });

  it('replaces, removes, tests, moves and copies', () => {
    const patched = applyJsonPatch(pod, [
      { op: 'test', path: '/metadata/name', value: 'web' },
      { op: 'replace', path: '/metadata/name', value: 'api' },
      { op: 'copy', from: '/spec/containers/0', path: '/spec/first' },
      { op: 'move', from: '/spec/containers/1', path: '/spec/second' },
      { op: 'remove', path: '/spec/containers' },
    ]);
    expect(patched).toEqual({
      metadata: { name: 'api' },
      spec: { first: { name: 'a' }, second: { name: 'b' } },
    });
  });

  it.each([
    [{ op: 'add', path: '/missing/child', value: 1 }, '[0].path'],
    [{ op: 'add', path: 'metadata', value: 1 }, '[0].path'],
    [{ op: 'add', path: '/spec/containers/7', value: 1 }, '[0].path'],
    [{ op: 'remove', path: '/metadata/labels' }, '[0].path'],
    [{ op: 'replace', path: '/metadata/labels', value: {} }, '[0].path'],
    [{ op: 'test', path: '/metadata/name', value: 'api' }, '[0].value'],
    [{ op: 'move', from: '/nothing', path: '/x' }, '[0].from'],
  ] as const)('refuses %j, naming the operation', (operation, path) => {
    try {
      applyJsonPatch(pod, [operation]);
      expect.unreachable();
    } catch (error) {
      expect(PolicyValidationError.is(error, 'InvalidJsonPatch')).toBe(true);
      expect((error as PolicyValidationError).issues[0]?.path).toBe(path);
    }
  });

  it('round-trips patches through base64 and refuses what is not one', () => {
    const patch = [{ op: 'add', path: '/a', value: 'ü' }] as const;
    expect(decodeJsonPatch(encodeJsonPatch(patch))).toEqual(patch);
    expect(() => decodeJsonPatch(Buffer.from('{"op":"add"}').toString('base64'))).toThrow(/array/);
    expect(() => decodeJsonPatch('***')).toThrow(PolicyValidationError);
  });
});
