import { validateLabelKey, validateLabelValue } from '@podsg/policy';
import { objectAt, stringMapAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { badRequest } from './KubernetesStatusFailure.js';

/** One parsed requirement of a label selector string (`app=web`, `tier in (a,b)`, `!legacy`). */
interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** A compiled `labelSelector` or `fieldSelector` query parameter. */
export type ObjectFilter = (object: KubernetesObject) => boolean;

/**
 * Parses a label selector string as the API server does (`=`, `==`, `!=`, `in`, `notin`, `key`,
 * `!key`, comma separated). Throws a 400 naming the requirement it could not parse.
 */
export function parseLabelSelector(selector: string): ObjectFilter {
  const requirements = splitRequirements(selector).map(parseRequirement);
  return (object) => {
    const labels = stringMapAt(objectAt(object, 'metadata'), 'labels');
    return requirements.every((r) => {
      const value = labels[r.key];
      switch (r.operator) {
        case 'exists':
          return value !== undefined;
        case '!':
          return value === undefined;
        case 'in':
          return value !== undefined && r.values.includes(value);
        case 'notin':
          return value === undefined || !r.values.includes(value);
      }
    });
  };
}

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): LabelRequirement {
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${JSON.stringify(text)}: ${why}`);
  };
  let match = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (match !== null) {
    const key = checkKey(match[1] ?? '', fail);
    const values = (match[3] ?? '').split(',').map((v) => checkValue(v.trim(), fail));
    return { key, operator: match[2] === 'in' ? 'in' : 'notin', values };
  }
  match = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(text);
  if (match !== null) {
    const key = checkKey(match[1] ?? '', fail);
    const value = checkValue(match[3] ?? '', fail);
    return { key, operator: match[2] === '!=' ? 'notin' : 'in', values: [value] };
  }
  match = /^(!?)\s*([^\s!=(),]+)$/.exec(text);
  if (match !== null) {
    return {
      key: checkKey(match[2] ?? '', fail),
      operator: match[1] === '!' ? '!' : 'exists',
      values: [],
    };
  }
  return fail('found an unexpected token');
}

function checkKey(key: string, fail: (why: string) => never): string {
  const problem = validateLabelKey(key);
  return problem === null ? key : fail(`key ${problem}`);
}

function checkValue(value: string, fail: (why: string) => never): string {
  const problem = validateLabelValue(value);
  return problem === null ? value : fail(`value ${problem}`);
}

/**
 * Parses a field selector (`metadata.name=x,spec.nodeName!=y`) over the fields the API server
 * supports for the resource; any other field is a 400 `field label not supported`.
 */
export function parseFieldSelector(
  selector: string,
  fields: Readonly<Record<string, (object: KubernetesObject) => string>>,
): ObjectFilter {
  const terms = selector
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term) => {
      const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (match === null)
        throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
      const field = match[1] ?? '';
      const read = fields[field];
      if (read === undefined) {
        throw badRequest(`field label not supported: ${field}`);
      }
      return { read, negate: match[2] === '!=', value: match[3] ?? '' };
    });
  return (object) => terms.every((t) => (t.read(object) === t.value) !== t.negate);
}

/** A dotted path of string members (`spec.nodeName`), '' when absent. */
export function stringPath(path: string): (object: KubernetesObject) => string {
  const parts = path.split('.');
  return (object) => {
    let value: unknown = object;
    for (const part of parts) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
      value = (value as Record<string, unknown>)[part];
    }
    return typeof value === 'string' ? value : typeof value === 'boolean' ? String(value) : '';
  };
}
