/**
 * `@podsg/adapters-aws`: production adapters of podsg's ports. Linux networking lives in
 * `@podsg/adapters-aws/linux`.
 */
export { SystemClock } from './clock/SystemClock.js';
