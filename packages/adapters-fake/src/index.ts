export { VirtualClock } from './services/VirtualClock.js';
export type { RunUntilIdleOptions } from './services/VirtualClock.js';
