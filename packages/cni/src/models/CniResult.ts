/** An interface of a CNI result. `sandbox` is set for interfaces inside the pod. */
export interface CniInterface {
  name: string;
  mac?: string;
  /** CNI 1.1.0 only. */
  mtu?: number;
  sandbox?: string;
}

/** An IP configuration of a CNI result. */
export interface CniIpConfig {
  /** `"4"` or `"6"`: CNI 0.3.x and 0.4.0 only. */
  version?: '4' | '6';
  /** Address with prefix length, e.g. `10.0.0.5/32`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces` of the interface that carries the address. */
  interface?: number;
}

/** A route of a CNI result. */
export interface CniRoute {
  dst: string;
  gw?: string;
}

/** DNS settings of a CNI result. */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** The success result of ADD (and the `prevResult` of DEL and CHECK), per spec version. */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** The error a plugin prints (CNI spec, "Error"). */
export interface CniErrorResult {
  cniVersion: string;
  code: number;
  msg: string;
  details: string;
}

/** The output of VERSION. */
export interface CniVersionResult {
  cniVersion: string;
  supportedVersions: string[];
}
