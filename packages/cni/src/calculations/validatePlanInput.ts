import { CniError } from '../errors/CniError.js';
import { parseCidr, parseIpAddress, parseMac } from './ipAddress.js';
import type { Cidr } from './ipAddress.js';

/*
 * Checks on plan inputs. Every name and address reaches a kernel (and, through the iproute2
 * applier, a command line), so each is parsed or matched against a safe set here, and the error
 * names the field.
 */

function invalid(field: string, value: unknown, why: string): CniError {
  return new CniError('InvalidPlanInput', `${field} ${JSON.stringify(value)} ${why}`, {
    details: field,
  });
}

/** A link name: 1..15 characters of `[A-Za-z0-9_.-]`, not `.` or `..`. */
export function requireLinkName(field: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(value) || value === '.' || value === '..') {
    throw invalid(field, value, 'is not a link name (1 to 15 characters of [A-Za-z0-9_.-])');
  }
  return value;
}

/** The kernel's own route tables, by number: a branch's table `100+N` must never be one. */
const KERNEL_TABLE_NAMES: Readonly<Record<number, string>> = {
  253: 'default',
  254: 'main',
  255: 'local',
};

/**
 * Whether podsg can wire a branch with this VLAN id: an 802.1Q id (1..4094) whose route table
 * `100+N` is not one of the kernel's (253 `default`, 254 `main`, 255 `local`, so not 153..155).
 */
export function isBranchVlanId(value: number): boolean {
  return (
    Number.isInteger(value) && value >= 1 && value <= 4094 && !(100 + value in KERNEL_TABLE_NAMES)
  );
}

/** A branch's VLAN id: 1..4094, and not one whose table `100+N` is the kernel's (153..155). */
export function requireVlanId(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 4094) {
    throw invalid(field, value, 'is not a VLAN id (an integer from 1 to 4094)');
  }
  const kernelTable = KERNEL_TABLE_NAMES[100 + value];
  if (kernelTable !== undefined) {
    throw invalid(
      field,
      value,
      `cannot be wired: its route table 100+${value} = ${100 + value} is the kernel's table ${kernelTable}`,
    );
  }
  return value;
}

/** A 48-bit unicast MAC address, returned lowercase. */
export function requireUnicastMac(field: string, value: string): string {
  const mac = parseMac(value);
  if (mac === null) throw invalid(field, value, 'is not a MAC address (xx:xx:xx:xx:xx:xx)');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw invalid(field, value, 'is a multicast address');
  if (mac === '00:00:00:00:00:00') throw invalid(field, value, 'is the zero address');
  return mac;
}

/** An address of a family, returned canonical. */
export function requireAddress(field: string, value: string, family: 4 | 6): string {
  const ip = parseIpAddress(value);
  if (ip === null || ip.family !== family) {
    throw invalid(field, value, `is not an IPv${family} address`);
  }
  return ip.address;
}

/** A CIDR of a family. */
export function requireCidr(field: string, value: string, family: 4 | 6): Cidr {
  const cidr = parseCidr(value);
  if (cidr === null || cidr.family !== family) {
    throw invalid(field, value, `is not an IPv${family} CIDR`);
  }
  return cidr;
}

/** An MTU, 576..9001. */
export function requireMtu(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 576 || value > 9001) {
    throw invalid(field, value, 'is not an MTU (an integer from 576 to 9001)');
  }
  return value;
}
