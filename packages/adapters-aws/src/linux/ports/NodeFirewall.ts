import type { NftTable } from '@podsg/cni';

/** Installs the node's firewall table (standard mode's connmark rules). */
export interface NodeFirewall {
  /** Replaces the table of the same family and name atomically; idempotent. */
  apply(table: NftTable): Promise<void>;
}
