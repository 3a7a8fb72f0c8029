/**
 * `@podsg/adapters-aws`: production adapters of podsg's ports — EC2 through the AWS SDK
 * (`Ec2NetworkInterfaceApi`, `preflightEc2Permissions`) and the monotonic `SystemClock`. Linux
 * networking lives in `@podsg/adapters-aws/linux`.
 */
export { SystemClock } from './clock/SystemClock.js';
export { Ec2NetworkInterfaceApi, PODSG_VERSION } from './ec2/Ec2NetworkInterfaceApi.js';
export type { Ec2NetworkInterfaceApiOptions } from './ec2/Ec2NetworkInterfaceApi.js';
export { ec2ErrorOf } from './ec2/ec2ErrorOf.js';
export { PREFLIGHT_ACTIONS, preflightEc2Permissions } from './ec2/preflightEc2Permissions.js';
export type {
  Ec2PreflightAction,
  Ec2PreflightContext,
  Ec2PreflightReport,
} from './ec2/preflightEc2Permissions.js';
