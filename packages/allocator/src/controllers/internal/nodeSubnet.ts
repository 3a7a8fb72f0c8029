import { AllocatorError } from '../../errors/AllocatorError.js';
import type { NodeRecord } from '../records.js';

/**
 * The node's subnet, as learnt from its instance or trunk: the id, or a clear failure when EC2
 * reported none, so that no call goes out with an empty subnet id.
 *
 * @param purpose - what needs the subnet, for the message (e.g. `its trunk interface`)
 * @throws AllocatorError `Invalid` naming the node when its subnet id is unknown or empty
 */
export function requireSubnetId(node: NodeRecord, purpose: string): string {
  const subnetId = node.subnetId;
  if (subnetId === null || subnetId === '') {
    throw new AllocatorError(
      'Invalid',
      `node ${node.name}: subnetId is unknown (EC2 reported none for instance ` +
        `${node.instanceId ?? '<none>'}), so ${purpose} cannot be created`,
    );
  }
  return subnetId;
}
