import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import type { RoutePlan } from '../models/RoutePlan.js';

/** The route plan that wires one pod to its branch interface (DESIGN.md, "Route plan"). */
export function planPodNetwork(_input: PodNetworkInput): RoutePlan {
  throw new Error('not implemented yet');
}
