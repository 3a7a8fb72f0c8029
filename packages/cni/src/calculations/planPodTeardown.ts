import type { PodTeardownInput } from '../models/PodNetworkInput.js';
import type { RoutePlan } from '../models/RoutePlan.js';

/** The route plan that removes everything `planPodNetwork` creates. */
export function planPodTeardown(_input: PodTeardownInput): RoutePlan {
  throw new Error('not implemented yet');
}
