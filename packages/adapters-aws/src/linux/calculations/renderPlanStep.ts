import type { PlanStep } from '@podsg/cni';
import {
  UnsafeTokenError,
  familyOf,
  safeCidr,
  safeFwmark,
  safeInteger,
  safeInterfaceName,
  safeIp,
  safeIpOrCidr,
  safeMac,
  safeSysctlValue,
  safeTable,
  sysctlPath,
} from './safeTokens.js';

/** The namespace a rendered command runs in (not always the step's own `ns`: see veth). */
export type ExecNs = 'host' | 'pod';

/** One line of `ip -batch -` input and how to read its failure. */
export interface IpCommand {
  /** Words of the batch line (`['link', 'del', 'dev', 'vlan.eth.5']`), all validated. */
  words: string[];
  /** `inet6`: an IPv6 rule, run by `ip -6 -batch -` (plain `ip rule` means IPv4). */
  family: 'any' | 'inet6';
  /** Failure messages that mean the step's goal already holds (a delete of a missing object). */
  alreadyDone: RegExp | null;
}

/** A plan step turned into what runs it: `ip` batch lines, or one sysctl write. */
export type RenderedStep =
  | { kind: 'ip'; exec: ExecNs; stepIndex: number; deletion: boolean; commands: IpCommand[] }
  | {
      kind: 'sysctl';
      exec: ExecNs;
      stepIndex: number;
      deletion: false;
      path: string;
      value: string;
    };

const GONE = /No such file or directory|No such process|Cannot find device|does not exist/;
const EXISTS = /File exists|address already assigned/i;
const ALIAS = /^[A-Za-z0-9_.:@+=-]{1,255}$/;

function optional(keyword: string, value: string | undefined): string[] {
  return value === undefined ? [] : [keyword, value];
}

/**
 * Renders one validated plan step. `podNetns` is the pod sandbox path, needed by
 * `link.add.veth`: the pair is created from the host side with the pod end placed straight into
 * the pod namespace (`ip link add <host> … type veth peer name <pod> … netns <path>`), one netlink
 * request, so no half-created pair is ever visible in the wrong namespace.
 *
 * Throws `UnsafeTokenError` naming the field when a value is not safe to put on a command line.
 */
export function renderPlanStep(
  step: PlanStep,
  stepIndex: number,
  podNetns: string | null,
): RenderedStep {
  const ip = (commands: IpCommand[], exec: ExecNs = step.ns, deletion = false): RenderedStep => ({
    kind: 'ip',
    exec,
    stepIndex,
    deletion,
    commands,
  });
  const line = (words: string[], alreadyDone: RegExp | null = null): IpCommand => ({
    words,
    family: 'any',
    alreadyDone,
  });

  // Plans may come from JSON (a CNI prevResult): check what the types cannot.
  const ns: unknown = step.ns;
  if (ns !== 'host' && ns !== 'pod') {
    throw new UnsafeTokenError(`ns ${JSON.stringify(ns)} is not 'host' or 'pod'`);
  }
  switch (step.op) {
    case 'link.add.veth': {
      if (podNetns === null) {
        throw new UnsafeTokenError('sandbox.netns is required to create a veth pair');
      }
      const mtu = safeInteger('mtu', step.mtu, 68, 65535);
      return ip(
        [
          line([
            'link',
            'add',
            'name',
            safeInterfaceName('peerName', step.peerName),
            'address',
            safeMac('peerMac', step.peerMac),
            'mtu',
            mtu,
            'type',
            'veth',
            'peer',
            'name',
            safeInterfaceName('name', step.name),
            'mtu',
            mtu,
            'netns',
            podNetns,
          ]),
        ],
        'host',
      );
    }
    case 'link.add.vlan': {
      const name = safeInterfaceName('name', step.name);
      const add = line([
        'link',
        'add',
        'link',
        safeInterfaceName('parent', step.parent),
        'name',
        name,
        'address',
        safeMac('mac', step.mac),
        'type',
        'vlan',
        'id',
        safeInteger('vlanId', step.vlanId, 1, 4094),
      ]);
      // The kernel ignores an alias given at creation, so it is set right after.
      return ip(
        step.alias === undefined
          ? [add]
          : [add, line(['link', 'set', 'dev', name, 'alias', safeAlias(step.alias)])],
      );
    }
    case 'link.set': {
      const changes = [
        ...optional('address', step.mac === undefined ? undefined : safeMac('mac', step.mac)),
        ...optional(
          'mtu',
          step.mtu === undefined ? undefined : safeInteger('mtu', step.mtu, 68, 65535),
        ),
        ...(step.up === undefined ? [] : [step.up ? 'up' : 'down']),
      ];
      const name = safeInterfaceName('name', step.name);
      return ip(changes.length === 0 ? [] : [line(['link', 'set', 'dev', name, ...changes])]);
    }
    case 'link.del':
      return ip(
        [line(['link', 'del', 'dev', safeInterfaceName('name', step.name)], GONE)],
        step.ns,
        true,
      );
    case 'addr.add': {
      const cidr = safeCidr('cidr', step.cidr);
      // A pod's /128 sits on a point-to-point veth: duplicate detection only delays its use.
      const nodad = familyOf(cidr) === 6 ? ['nodad'] : [];
      return ip([
        line(['addr', 'add', cidr, 'dev', safeInterfaceName('dev', step.dev), ...nodad], EXISTS),
      ]);
    }
    case 'route.replace':
    case 'route.del': {
      const dst = step.dst === 'default' ? 'default' : safeCidr('dst', step.dst);
      const via = step.via === undefined ? undefined : safeIp('via', step.via);
      if (dst !== 'default' && via !== undefined && familyOf(dst) !== familyOf(via)) {
        throw new UnsafeTokenError(`via ${JSON.stringify(via)} is not of the family of dst ${dst}`);
      }
      const words = [
        'route',
        step.op === 'route.replace' ? 'replace' : 'del',
        dst,
        ...optional('via', via),
        ...optional('dev', step.dev === undefined ? undefined : safeInterfaceName('dev', step.dev)),
        ...optional('table', step.table === undefined ? undefined : safeTable('table', step.table)),
        ...optional('scope', step.scope === undefined ? undefined : safeScope(step.scope)),
      ];
      const deletion = step.op === 'route.del';
      return ip([line(words, deletion ? GONE : null)], step.ns, deletion);
    }
    case 'rule.add':
    case 'rule.del': {
      const from = step.from === undefined ? undefined : safeIpOrCidr('from', step.from);
      const to = step.to === undefined ? undefined : safeIpOrCidr('to', step.to);
      if (from !== undefined && to !== undefined && familyOf(from) !== familyOf(to)) {
        throw new UnsafeTokenError(`from ${from} and to ${to} are of different families`);
      }
      const words = [
        'rule',
        step.op === 'rule.add' ? 'add' : 'del',
        'priority',
        safeInteger('priority', step.priority, 0, 4_294_967_295),
        ...optional('from', from),
        ...optional('to', to),
        ...optional('iif', step.iif === undefined ? undefined : safeInterfaceName('iif', step.iif)),
        ...optional(
          'fwmark',
          step.fwmark === undefined ? undefined : safeFwmark('fwmark', step.fwmark),
        ),
        'lookup',
        safeTable('table', step.table),
      ];
      const deletion = step.op === 'rule.del';
      const family = ruleFamily(step.family, from ?? to);
      // `ip rule` does not take the family from a `to` address, and a rule naming no address
      // would be IPv4: IPv6 rules run under `ip -6`.
      return ip(
        [{ words, family: family === 6 ? 'inet6' : 'any', alreadyDone: deletion ? GONE : EXISTS }],
        step.ns,
        deletion,
      );
    }
    case 'neigh.replace':
      return ip([
        line([
          'neigh',
          'replace',
          safeIp('ip', step.ip),
          'dev',
          safeInterfaceName('dev', step.dev),
          'lladdr',
          safeMac('mac', step.mac),
          'nud',
          'permanent',
        ]),
      ]);
    case 'sysctl.set':
      return {
        kind: 'sysctl',
        exec: step.ns,
        stepIndex,
        deletion: false,
        path: sysctlPath('key', step.key),
        value: safeSysctlValue('value', step.value),
      };
    default: {
      const op: unknown = (step as { op: unknown }).op;
      throw new UnsafeTokenError(`op ${JSON.stringify(op)} is not a plan step this applier knows`);
    }
  }
}

function safeScope(scope: string): string {
  if (scope !== 'link' && scope !== 'universe') {
    throw new UnsafeTokenError(`scope ${JSON.stringify(scope)} is not 'link' or 'universe'`);
  }
  return scope;
}

function safeAlias(alias: string): string {
  if (!ALIAS.test(alias)) {
    throw new UnsafeTokenError(
      `alias ${JSON.stringify(alias)} is not 1-255 characters of A-Z a-z 0-9 _ . : @ + = -`,
    );
  }
  return alias;
}

/** The family of a rule: its `family` field, which must agree with its addresses; else theirs; else IPv4. */
function ruleFamily(family: unknown, address: string | undefined): 4 | 6 {
  if (family !== undefined && family !== 4 && family !== 6) {
    throw new UnsafeTokenError(`family ${JSON.stringify(family)} is not 4 or 6`);
  }
  const addressFamily = address === undefined ? undefined : familyOf(address);
  if (family !== undefined && addressFamily !== undefined && family !== addressFamily) {
    throw new UnsafeTokenError(
      `family ${String(family)} does not match address ${String(address)}`,
    );
  }
  return family ?? addressFamily ?? 4;
}
