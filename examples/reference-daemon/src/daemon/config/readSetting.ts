/**
 * Where a setting's value comes from: the command line flag wins over the environment
 * variables (first one set wins), which win over the default.
 */
export interface SettingSource {
  /** The flag as typed, e.g. `--lease-duration`. */
  readonly flag: string;
  /** The flag's value as commander parsed it, if given. */
  readonly value: string | boolean | undefined;
  /** Environment variables read when the flag is absent, e.g. `PODSG_LEASE_DURATION`. */
  readonly env?: readonly string[];
}

/** The raw text of a setting (flag, then environment), or undefined, with where it came from. */
export function rawSetting(
  source: SettingSource,
  environment: Readonly<Record<string, string | undefined>>,
): { text: string; from: string } | undefined {
  if (typeof source.value === 'string') return { text: source.value, from: source.flag };
  if (source.value === true) return { text: 'true', from: source.flag };
  for (const name of source.env ?? []) {
    const text = environment[name];
    if (text !== undefined && text !== '') return { text, from: `${source.flag} (from ${name})` };
  }
  return undefined;
}

/** Parsers shared by the daemon settings. Each throws an Error saying what was expected. */
export const parse = {
  text: (text: string): string => text,
  /** A duration: `15s`, `500ms`, `2m`, or plain seconds; returned in milliseconds. */
  durationMs: (text: string): number => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
    if (match === null) throw new Error(`must be a duration like 15s, 500ms or 2m, got "${text}"`);
    const value = Number(match[1]);
    const unit = match[2] ?? 's';
    const ms = unit === 'ms' ? value : unit === 'm' ? value * 60_000 : value * 1000;
    if (!(ms > 0)) throw new Error(`must be positive, got "${text}"`);
    return ms;
  },
  /** A TCP port 0 … 65535 (0 = any free port). */
  port: (text: string): number => {
    if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
      throw new Error(`must be a port number 0 … 65535, got "${text}"`);
    }
    return Number(text);
  },
  /** A positive integer. */
  positiveInteger: (text: string): number => {
    if (!/^[1-9]\d{0,8}$/.test(text)) throw new Error(`must be a positive integer, got "${text}"`);
    return Number(text);
  },
  boolean: (text: string): boolean => {
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw new Error(`must be true or false, got "${text}"`);
  },
  /** An http(s) URL. */
  url: (text: string): string => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`must be a URL, got "${text}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`must be an http or https URL, got "${text}"`);
    }
    return text;
  },
  /** A Kubernetes DNS-1123 label (namespaces, node names' first part …). */
  dnsSubdomain: (text: string): string => {
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(text)) {
      throw new Error(`must be a lowercase DNS name (RFC 1123), got "${text}"`);
    }
    return text;
  },
  /** One of `values`. */
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (text: string): T => {
      if (!(values as readonly string[]).includes(text)) {
        throw new Error(`must be one of ${values.join(', ')}, got "${text}"`);
      }
      return text as T;
    },
};
