import type { Ec2PreflightReport } from '../models/Ec2PreflightReport.js';

/**
 * Tries every EC2 action podsg needs with `DryRun` and reports which are allowed
 * (`preflightEc2Permissions` of `@podsg/adapters-aws` in production). Never mutates anything.
 * Throws `AllocatorError` `Transient` or `Throttled` when EC2 cannot be asked at all.
 */
export interface Ec2PermissionPreflight {
  preflight(): Promise<Ec2PreflightReport>;
}
