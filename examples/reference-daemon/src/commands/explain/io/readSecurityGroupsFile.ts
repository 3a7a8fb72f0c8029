import {
  parseNetworkInterfaces,
  parseSecurityGroups,
  PolicyValidationError,
  type ModelledInterface,
  type SecurityGroup,
} from '@podsg/policy';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import { describeManifestSource } from '../calculations/describeManifestSource.js';
import { readManifestFiles } from './readManifestFiles.js';

/** The groups of a `--security-groups` file, and the interfaces listed beside them. */
export interface SecurityGroupsFile {
  readonly securityGroups: SecurityGroup[];
  readonly interfaces: ModelledInterface[];
}

/**
 * Reads a `--security-groups` file: one JSON (or YAML) document as `aws ec2
 * describe-security-groups` prints it, optionally with the `NetworkInterfaces` array of
 * `aws ec2 describe-network-interfaces` merged in.
 *
 * @throws PodsgdCliError `Unreadable` when the file cannot be read, `InvalidInput` naming every
 * bad field (one per line) otherwise
 */
export async function readSecurityGroupsFile(
  path: string,
  cwd: string,
): Promise<SecurityGroupsFile> {
  const documents = await readManifestFiles(path, cwd);
  const [document, ...others] = documents;
  const invalid = (message: string, cause?: unknown): PodsgdCliError =>
    new PodsgdCliError('InvalidInput', `${path}: ${message}`, path, { cause });
  if (document === undefined) throw invalid('holds no document');
  if (others.length > 0) {
    throw invalid(`holds ${documents.length} documents; give one describe-security-groups output`);
  }
  if (document.yamlError !== undefined) {
    throw invalid(
      `${describeManifestSource(document.source)}: not valid JSON or YAML: ${document.yamlError}`,
    );
  }
  return parseSecurityGroupsDocument(document.content, path);
}

/**
 * The groups and interfaces of one `describe-security-groups` document (with
 * `NetworkInterfaces` optionally merged in), read from `source` (a file, or EC2).
 *
 * @throws PodsgdCliError `InvalidInput` naming every bad field (one per line)
 */
export function parseSecurityGroupsDocument(content: unknown, source: string): SecurityGroupsFile {
  // Both parts are checked, so every bad field is reported at once.
  const issues: string[] = [];
  const attempt = <T>(parse: (input: unknown) => T[]): T[] => {
    try {
      return parse(content);
    } catch (error) {
      if (!PolicyValidationError.is(error)) throw error;
      issues.push(...error.issues.map((issue) => `\n  ${issue.path}: ${issue.message}`));
      return [];
    }
  };
  const securityGroups = attempt(parseSecurityGroups);
  const interfaces = attempt(parseNetworkInterfaces);
  if (issues.length > 0) {
    throw new PodsgdCliError(
      'InvalidInput',
      `${source}: invalid security groups or interfaces:${[...new Set(issues)].join('')}`,
      source,
    );
  }
  return { securityGroups, interfaces };
}
