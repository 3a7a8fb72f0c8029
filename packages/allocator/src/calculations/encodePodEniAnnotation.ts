import type { PodEniAttachment } from '../models/PodEniAttachment.js';

/**
 * The value of the `vpc.amazonaws.com/pod-eni` annotation: a JSON array with one object per
 * branch interface, keys in EKS's order (`eniId`, `ifAddress`, `privateIp`, `ipv6Addr`,
 * `vlanId`, `subnetCidr`, `subnetV6Cidr`, `associationID`).
 */
export function encodePodEniAnnotation(attachments: readonly PodEniAttachment[]): string {
  return JSON.stringify(
    attachments.map((attachment) => ({
      eniId: attachment.eniId,
      ifAddress: attachment.ifAddress,
      privateIp: attachment.privateIp,
      ipv6Addr: attachment.ipv6Addr,
      vlanId: attachment.vlanId,
      subnetCidr: attachment.subnetCidr,
      subnetV6Cidr: attachment.subnetV6Cidr,
      associationID: attachment.associationID,
    })),
  );
}
