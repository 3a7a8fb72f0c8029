import { parseIpAddress } from '@podsg/cni';

/*
 * Every value that reaches an `ip`, `nft`, `nsenter` or `tee` command line passes one of these
 * checks first. Accepted values contain no whitespace, quote, `#`, `;` or newline and never start
 * with `-`, so no value can add an argument, a batch line or a comment.
 */

/** Why a value was refused: the field it came from and what was wrong, for the caller's error. */
export class UnsafeTokenError extends Error {
  override readonly name = 'UnsafeTokenError';
}

const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const NETNS_PATH = /^\/[A-Za-z0-9_.:@+/-]{1,4095}$/;
const FWMARK_PART = /^(?:0x[0-9a-f]{1,8}|[0-9]{1,10})$/i;
const SYSCTL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;
const SYSCTL_PARAM = /^[a-z0-9_]{1,64}$/;
const UINT32_MAX = 4_294_967_295;

function refuse(field: string, value: unknown, why: string): never {
  throw new UnsafeTokenError(`${field} ${JSON.stringify(value)} ${why}`);
}

/** A kernel interface name: 1–15 characters of `[A-Za-z0-9_.-]`, not starting with `-`, not `.`/`..`. */
export function safeInterfaceName(field: string, value: string): string {
  if (!INTERFACE_NAME.test(value) || value.startsWith('-') || value === '.' || value === '..') {
    refuse(field, value, 'is not an interface name (1-15 characters of A-Z a-z 0-9 _ . -)');
  }
  return value;
}

/** An IPv4 or IPv6 address, returned lowercase; `family` restricts it. */
export function safeIp(field: string, value: string, family?: 4 | 6): string {
  const found = parseIpAddress(value)?.family;
  if (found === undefined || (family !== undefined && found !== family)) {
    refuse(field, value, `is not an IPv${family ?? '4 or IPv6'} address`);
  }
  return value.toLowerCase();
}

/** `address/prefix` with a prefix length valid for the address family, returned lowercase. */
export function safeCidr(field: string, value: string): string {
  const slash = value.indexOf('/');
  if (slash < 0) refuse(field, value, 'is not a CIDR (address/prefix)');
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = parseIpAddress(address)?.family;
  const bits = family === 6 ? 128 : 32;
  if (family === undefined || !/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > bits) {
    refuse(field, value, 'is not a CIDR (address/prefix)');
  }
  return `${address.toLowerCase()}/${String(Number(prefix))}`;
}

/** An address or a CIDR (policy rules accept both). */
export function safeIpOrCidr(field: string, value: string): string {
  return value.includes('/') ? safeCidr(field, value) : safeIp(field, value);
}

/** The address family (4 or 6) of a value already checked by `safeIp` or `safeCidr`. */
export function familyOf(addressOrCidr: string): 4 | 6 {
  return addressOrCidr.includes(':') ? 6 : 4;
}

/** A MAC address `xx:xx:xx:xx:xx:xx`, returned lowercase. */
export function safeMac(field: string, value: string): string {
  if (!MAC.test(value)) refuse(field, value, 'is not a MAC address (xx:xx:xx:xx:xx:xx)');
  return value.toLowerCase();
}

/** An integer in `[min, max]`, as its decimal text. */
export function safeInteger(field: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(field, value, `is not an integer in ${String(min)}..${String(max)}`);
  }
  return String(value);
}

/** A routing table: `main`, `local`, or a number 1..2^32-1. */
export function safeTable(field: string, value: number | string): string {
  if (value === 'main' || value === 'local') return value;
  if (typeof value !== 'number')
    refuse(field, value, "is not a table (a number, 'main' or 'local')");
  return safeInteger(field, value, 1, UINT32_MAX);
}

/** A firewall mark `value` or `value/mask`, each hex (`0x80`) or decimal. */
export function safeFwmark(field: string, value: string): string {
  const parts = value.split('/');
  if (parts.length > 2 || !parts.every((part) => FWMARK_PART.test(part))) {
    refuse(field, value, 'is not a firewall mark (0x80 or 0x80/0x80)');
  }
  return value.toLowerCase();
}

/** An absolute path to a network namespace file, free of characters that could split arguments. */
export function safeNetnsPath(field: string, value: string): string {
  if (!NETNS_PATH.test(value) || value.split('/').includes('..')) {
    refuse(field, value, 'is not an absolute network namespace path');
  }
  return value;
}

/**
 * The `/proc/sys` path of a sysctl key from the safe set: `net.ipv4.<param>`,
 * `net.ipv6.<param>`, and `net.ipv4|ipv6.conf|neigh.<interface|all|default>.<param>` (the
 * interface may itself contain dots, as `vlan.eth.5` does).
 */
export function sysctlPath(field: string, key: string): string {
  const match = /^net\.(ipv4|ipv6)\.(?:(conf|neigh)\.(.+)\.([^.]+)|([^.]+))$/.exec(key);
  if (match === null) refuse(field, key, 'is not an allowed sysctl key (net.ipv4.*, net.ipv6.*)');
  const [, family = '', section, device, deviceParam, plainParam] = match;
  if (section !== undefined && device !== undefined && deviceParam !== undefined) {
    if (device !== 'all' && device !== 'default') safeInterfaceName(field, device);
    if (!SYSCTL_PARAM.test(deviceParam)) refuse(field, key, 'names an unknown sysctl parameter');
    return `/proc/sys/net/${family}/${section}/${device}/${deviceParam}`;
  }
  if (
    plainParam === undefined ||
    !SYSCTL_PARAM.test(plainParam) ||
    plainParam === 'conf' ||
    plainParam === 'neigh'
  ) {
    refuse(field, key, 'is not an allowed sysctl key (net.ipv4.*, net.ipv6.*)');
  }
  return `/proc/sys/net/${family}/${plainParam}`;
}

/** A sysctl value: a number or a short word. */
export function safeSysctlValue(field: string, value: string): string {
  if (!SYSCTL_VALUE.test(value)) refuse(field, value, 'is not an allowed sysctl value');
  return value;
}
