import { ec2Error } from '../internal/ec2Error.js';
import type { QueryFilter, QueryParams } from './QueryParams.js';

/** EC2 never returns more than this many items on one page, asked or not. */
const PAGE_CEILING = 1000;

/**
 * One page of `items` (sorted by `key`) after `NextToken`, at most `MaxResults` (in [min, max])
 * or 1000. The token names the last key returned, so items deleted between pages shift
 * nothing; a token that is not one of ours is `InvalidPaginationToken`.
 */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  params: QueryParams,
  bounds: { action: string; min: number; max: number },
): { page: T[]; nextToken: string | undefined } {
  const maxResults = params.integer('MaxResults', bounds.min, bounds.max) ?? PAGE_CEILING;
  const token = params.string('NextToken');
  let after: string | undefined;
  if (token !== undefined && token !== '') {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
      if (
        typeof decoded === 'object' &&
        decoded !== null &&
        (decoded as { a?: unknown }).a === bounds.action &&
        typeof (decoded as { k?: unknown }).k === 'string'
      ) {
        after = (decoded as { k: string }).k;
      }
    } catch {
      after = undefined;
    }
    if (after === undefined) {
      throw ec2Error('InvalidPaginationToken', `Invalid pagination token: ${token.slice(0, 64)}`);
    }
  }
  const sorted = [...items].sort((a, b) => compare(key(a), key(b)));
  const start = after === undefined ? 0 : sorted.findIndex((item) => compare(key(item), after) > 0);
  const from = start < 0 ? sorted.length : start;
  const page = sorted.slice(from, from + Math.min(maxResults, PAGE_CEILING));
  const last = page.at(-1);
  const more = from + page.length < sorted.length && last !== undefined;
  return {
    page,
    nextToken: more
      ? Buffer.from(JSON.stringify({ a: bounds.action, k: key(last) })).toString('base64url')
      : undefined,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ids and MaxResults may not be combined, as EC2 says. */
export function refuseIdsWithPaging(
  params: QueryParams,
  ids: readonly string[],
  idName: string,
): void {
  if (ids.length > 0 && params.string('MaxResults') !== undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      `The parameter ${idName} cannot be used with the parameter maxResults`,
    );
  }
}

/**
 * The items passing every filter, as EC2 filters: a filter holds when one of its values (with
 * EC2's wildcards `*` and `?`) matches one of the item's values under that name; `tag:K` and
 * `tag-key` work on `tagsOf`. An unknown filter name, or a filter without values, is
 * `InvalidParameterValue` even when there is nothing to filter.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly QueryFilter[],
  fields: Readonly<Record<string, (item: T) => readonly string[]>>,
  tagsOf?: (item: T) => Readonly<Record<string, string>>,
): T[] {
  const tests = filters.map((filter) => {
    const field = Object.hasOwn(fields, filter.name) ? fields[filter.name] : undefined;
    let valuesOf: ((item: T) => readonly string[]) | undefined = field;
    if (valuesOf === undefined && tagsOf !== undefined) {
      if (filter.name === 'tag-key') valuesOf = (item) => Object.keys(tagsOf(item));
      else if (filter.name.startsWith('tag:')) {
        const key = filter.name.slice(4);
        valuesOf = (item) => {
          const tags = tagsOf(item);
          return Object.hasOwn(tags, key) ? [tags[key] ?? ''] : [];
        };
      }
    }
    if (valuesOf === undefined) {
      throw ec2Error('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
    }
    if (filter.values.length === 0 || filter.values.length > 200) {
      throw ec2Error('InvalidParameterValue', `The filter '${filter.name}' needs 1 … 200 values`);
    }
    const patterns = filter.values.map(globPattern);
    const read = valuesOf;
    return (item: T): boolean =>
      read(item).some((value) => patterns.some((pattern) => pattern.test(value)));
  });
  return items.filter((item) => tests.every((test) => test(item)));
}

function globPattern(value: string): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '\\' && i + 1 < value.length) source += escapeRegExp(value.charAt(++i));
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
