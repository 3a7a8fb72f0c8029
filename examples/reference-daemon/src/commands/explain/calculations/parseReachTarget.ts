import { SECURITY_GROUP_ID } from '@podsg/policy';
import { isIP } from 'node:net';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ReachTarget } from '../models/ReachTarget.js';

const TARGET =
  /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:/[\]]+)):(?<port>[0-9]{1,5})(?:\/(?<protocol>[a-z]+))?$/;

/**
 * Reads `--to <sg-id|ip>:<port>[/tcp|udp]`: `sg-0123456789abcdef0:5432`, `10.0.3.7:5432/tcp`,
 * `[2600:1f14::7]:53/udp`. The protocol defaults to tcp.
 *
 * @throws PodsgdCliError `Usage` saying what is wrong with the value
 */
export function parseReachTarget(text: string): ReachTarget {
  const fail = (why: string): PodsgdCliError =>
    new PodsgdCliError(
      'Usage',
      `--to ${JSON.stringify(text)}: ${why}; expected <sg-id|ip>:<port>[/tcp|udp], e.g. sg-0123456789abcdef0:5432 or 10.0.3.7:5432/tcp`,
    );
  const match = TARGET.exec(text);
  const groups = match?.groups;
  if (groups === undefined) throw fail('not of the form <sg-id|ip>:<port>[/tcp|udp]');
  const port = Number(groups['port']);
  if (port < 1 || port > 65535) throw fail(`port ${groups['port'] ?? ''} is not 1-65535`);
  const protocol = groups['protocol'] ?? 'tcp';
  if (protocol !== 'tcp' && protocol !== 'udp')
    throw fail(`protocol ${protocol} is not tcp or udp`);
  const v6 = groups['v6'];
  const host = groups['host'] ?? '';
  if (v6 !== undefined) {
    if (isIP(v6) !== 6) throw fail(`[${v6}] is not an IPv6 address`);
    return { kind: 'address', address: v6, port, protocol };
  }
  if (host.startsWith('sg-')) {
    if (!SECURITY_GROUP_ID.test(host)) {
      throw fail(`${host} is not a security group id ("sg-" and 8 or 17 lowercase hex digits)`);
    }
    return { kind: 'group', groupId: host, port, protocol };
  }
  if (isIP(host) !== 4) throw fail(`${host} is neither a security group id nor an IP address`);
  return { kind: 'address', address: host, port, protocol };
}
