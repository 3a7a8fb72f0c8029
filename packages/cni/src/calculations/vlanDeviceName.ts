/** Name of the host VLAN device of a branch: `vlan.eth.<vlanId>` (at most 13 characters). */
export function vlanDeviceName(vlanId: number): string {
  return `vlan.eth.${vlanId}`;
}

/** The VLAN id in a `vlan.eth.<N>` device name, or null when `name` is not one. */
export function vlanIdOfDeviceName(name: string): number | null {
  const match = /^vlan\.eth\.([1-9][0-9]{0,3})$/.exec(name);
  if (match === null) return null;
  const vlanId = Number(match[1]);
  return vlanId <= 4094 ? vlanId : null;
}

/** The route table of a branch: `100 + vlanId`. */
export function branchRouteTable(vlanId: number): number {
  return 100 + vlanId;
}
