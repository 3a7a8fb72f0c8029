/**
 * The client token of a branch's CreateNetworkInterface: the same for every retry of one pod's
 * allocation (so a lost response never yields a second interface, even across a restart), new
 * only when the controller itself deleted what the previous token created (`generation`).
 * EC2 accepts up to 64 ASCII characters.
 */
export function branchCreateToken(podUid: string, generation: number): string {
  return `podsg-b-${podUid}-${generation}`.slice(0, 64);
}

/**
 * The client token of a branch's association with its trunk under a VLAN id: the same for every
 * retry of one association attempt (so a lost response never yields a second association), new
 * for each `generation`, which the controller bumps once it disassociated the branch, so that
 * associating it again (even under the same VLAN id) is a new request, not a replay of the old
 * association.
 */
export function branchAssociateToken(
  branchInterfaceId: string,
  vlanId: number,
  generation: number,
): string {
  return `podsg-a-${branchInterfaceId}-${vlanId}-${generation}`.slice(0, 64);
}

/** The client token of a disassociation. */
export function branchDisassociateToken(associationId: string): string {
  return `podsg-d-${associationId}`.slice(0, 64);
}

/** The client token of a node's trunk creation, new for each attempt after a rollback. */
export function trunkCreateToken(instanceId: string, generation: number): string {
  return `podsg-t-${instanceId}-${generation}`.slice(0, 64);
}
