import type { CniCommand } from '../models/CniEnvironment.js';
import type { NetworkConfig } from '../models/NetworkConfig.js';

/** Parses and validates podsg-cni's network configuration from stdin. */
export function parseNetworkConfig(_stdin: string, _command: CniCommand = 'ADD'): NetworkConfig {
  throw new Error('not implemented yet');
}
