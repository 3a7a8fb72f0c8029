import { ec2Error } from '../internal/ec2Error.js';

/** One EC2 `Filter.N`: a name and its values. */
export interface QueryFilter {
  name: string;
  values: string[];
}

/**
 * The parameters of an EC2 Query request (`Name=value` pairs, lists as `Name.1`, `Name.2`,
 * structures as `Name.1.Member`), read with EC2's validation: a bad integer, boolean or missing
 * required parameter is the `AllocatorError` EC2 answers with (`InvalidParameterValue`,
 * `MissingParameter`).
 */
export class QueryParams {
  readonly #entries: ReadonlyMap<string, string>;
  readonly #prefix: string;

  constructor(entries: ReadonlyMap<string, string>, prefix = '') {
    this.#entries = entries;
    this.#prefix = prefix;
  }

  /** Parses a form-encoded body or query string. */
  static parse(text: string): QueryParams {
    const entries = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(text)) entries.set(name, value);
    return new QueryParams(entries);
  }

  /** A parameter, or undefined when absent. */
  string(name: string): string | undefined {
    return this.#entries.get(this.#prefix + name);
  }

  /** A parameter that must be present and non-empty. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      throw ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return value;
  }

  /** An integer parameter in [min, max], or undefined. */
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^-?\d{1,10}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value ( ${text} ) for parameter ${name} is invalid. Expecting a value between ${min} and ${max}.`,
      );
    }
    return value;
  }

  /** A boolean parameter (`true`/`false`), or undefined. */
  boolean(name: string): boolean | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (text !== 'true' && text !== 'false') {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${text}) for parameter ${name} is invalid. Expecting a boolean.`,
      );
    }
    return text === 'true';
  }

  /** An enumerated parameter, or undefined; another value is `InvalidParameterValue`. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(text)) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${text}) for parameter ${name} is invalid. Expecting one of: ${allowed.join(', ')}.`,
      );
    }
    return text as T;
  }

  /** The values of a list `Name.1`, `Name.2`, … in index order. */
  list(name: string): string[] {
    return this.#indexes(name).map(
      (index) => this.#entries.get(`${this.#prefix}${name}.${index}`) ?? '',
    );
  }

  /** The members of a list of structures `Name.N.*`, each as its own parameters. */
  structures(name: string): QueryParams[] {
    return this.#indexes(name).map(
      (index) => new QueryParams(this.#entries, `${this.#prefix}${name}.${index}.`),
    );
  }

  /** `Filter.N.Name` / `Filter.N.Value.M`; a filter without a name is `InvalidParameterValue`. */
  filters(): QueryFilter[] {
    return this.structures('Filter').map((filter) => {
      const name = filter.string('Name');
      if (name === undefined || name === '') {
        throw ec2Error('InvalidParameterValue', 'The filter name must be present');
      }
      return { name, values: filter.list('Value') };
    });
  }

  /** `Tag.N.Key` / `Tag.N.Value` pairs. */
  tags(name = 'Tag'): { key: string; value: string | undefined }[] {
    return this.structures(name).map((tag) => ({
      key: tag.required('Key'),
      value: tag.string('Value'),
    }));
  }

  #indexes(name: string): number[] {
    const head = `${this.#prefix}${name}.`;
    const found = new Set<number>();
    for (const key of this.#entries.keys()) {
      if (!key.startsWith(head)) continue;
      const rest = key.slice(head.length);
      const index = /^(\d{1,6})(?:\.|$)/.exec(rest)?.[1];
      if (index === undefined || Number(index) < 1) {
        throw ec2Error('InvalidParameterValue', `Parameter ${key} has an invalid list index`);
      }
      found.add(Number(index));
    }
    if (found.size > 1000) {
      throw ec2Error('InvalidParameterValue', `The list ${name} has more than 1000 members`);
    }
    return [...found].sort((a, b) => a - b);
  }
}
