import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { JsonPatchOperation } from '../models/JsonPatchOperation.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';

/**
 * Applies an RFC 6902 JSON Patch to a JSON document and returns the patched copy; the input is
 * not changed. Supports `add`, `remove`, `replace`, `test`, `move` and `copy`. Either every
 * operation applies or none does. Useful wherever a mutating webhook's answer must be carried
 * out: fakes, tests, the simulator.
 *
 * @throws PolicyValidationError of kind `InvalidJsonPatch`, naming the operation (`[2].path`)
 */
export function applyJsonPatch(
  document: unknown,
  operations: readonly JsonPatchOperation[],
): unknown {
  let patched: unknown = structuredClone(document);
  operations.forEach((operation, index) => {
    try {
      patched = applyOperation(patched, operation);
    } catch (error) {
      if (!(error instanceof PatchFailure)) throw error;
      throw new PolicyValidationError('InvalidJsonPatch', 'JSON Patch', [
        { path: `[${index}].${error.field}`, message: `${operation.op} ${error.message}` },
      ]);
    }
  });
  return patched;
}

class PatchFailure extends Error {
  constructor(
    readonly field: 'path' | 'from' | 'value' | 'op',
    message: string,
  ) {
    super(message);
  }
}

function applyOperation(document: unknown, operation: JsonPatchOperation): unknown {
  switch (operation.op) {
    case 'add':
      return add(document, operation.path, structuredClone(operation.value));
    case 'remove':
      return remove(document, operation.path);
    case 'replace':
      get(document, operation.path, 'path');
      return add(
        remove(document, operation.path),
        operation.path,
        structuredClone(operation.value),
      );
    case 'test':
      if (!jsonEqual(get(document, operation.path, 'path'), operation.value)) {
        throw new PatchFailure('value', `failed at ${operation.path}: the value differs`);
      }
      return document;
    case 'move': {
      if (operation.path.startsWith(`${operation.from}/`)) {
        throw new PatchFailure('from', `cannot move ${operation.from} into its own child`);
      }
      const value = get(document, operation.from, 'from');
      return add(remove(document, operation.from), operation.path, value);
    }
    case 'copy':
      return add(document, operation.path, structuredClone(get(document, operation.from, 'from')));
    default:
      throw new PatchFailure('op', 'is not an RFC 6902 operation');
  }
}

function parsePointer(pointer: string, field: 'path' | 'from'): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new PatchFailure(field, `pointer ${JSON.stringify(pointer)} must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The parent container of the pointer's target and the last token. */
function locate(
  document: unknown,
  pointer: string,
  field: 'path' | 'from',
): { parent: unknown; token: string } | undefined {
  const tokens = parsePointer(pointer, field);
  const token = tokens.pop();
  if (token === undefined) return undefined;
  let parent = document;
  for (const step of tokens) parent = child(parent, step, pointer, field);
  return { parent, token };
}

function child(
  container: unknown,
  token: string,
  pointer: string,
  field: 'path' | 'from',
): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container.length - 1, pointer, field);
    return container[index];
  }
  if (isJsonObject(container) && Object.hasOwn(container, token)) return container[token];
  throw new PatchFailure(field, `${pointer}: ${JSON.stringify(token)} does not exist`);
}

function arrayIndex(token: string, max: number, pointer: string, field: 'path' | 'from'): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) > max) {
    throw new PatchFailure(
      field,
      `${pointer}: ${JSON.stringify(token)} is not an index of the array`,
    );
  }
  return Number(token);
}

function get(document: unknown, pointer: string, field: 'path' | 'from'): unknown {
  const location = locate(document, pointer, field);
  if (location === undefined) return document;
  return child(location.parent, location.token, pointer, field);
}

function add(document: unknown, pointer: string, value: unknown): unknown {
  const location = locate(document, pointer, 'path');
  if (location === undefined) return value;
  const { parent, token } = location;
  if (Array.isArray(parent)) {
    const index = token === '-' ? parent.length : arrayIndex(token, parent.length, pointer, 'path');
    parent.splice(index, 0, value);
  } else if (isJsonObject(parent)) {
    // defineProperty, so a "__proto__" member stays a member.
    Object.defineProperty(parent, token, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    throw new PatchFailure(
      'path',
      `${pointer}: the parent is ${describeJsonType(parent)}, not an object or array`,
    );
  }
  return document;
}

function remove(document: unknown, pointer: string): unknown {
  const location = locate(document, pointer, 'path');
  if (location === undefined) throw new PatchFailure('path', 'cannot remove the whole document');
  const { parent, token } = location;
  child(parent, token, pointer, 'path');
  if (Array.isArray(parent)) {
    parent.splice(Number(token), 1);
  } else if (isJsonObject(parent)) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a JSON member named by the patch
    delete parent[token];
  }
  return document;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}
