/**
 * Facts about the node that plans depend on, read through a port so the runner stays pure.
 */
export interface HostFacts {
  /** `count` cryptographically random bytes (for locally administered MAC addresses). */
  randomBytes(count: number): Uint8Array;

  /** MAC addresses of the links in the host namespace, lowercase, so a new MAC never collides. */
  hostLinkMacs(): Promise<string[]>;

  /** Whether a link of this name exists in the host namespace. */
  hostLinkExists(name: string): Promise<boolean>;
}
