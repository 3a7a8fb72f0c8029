import { EC2_API_NAMES, type Ec2ApiName } from '@podsg/allocator';
import { parseSecurityGroupPolicy, PolicyValidationError } from '@podsg/policy';
import { parseAllDocuments } from 'yaml';
import { findUnknownPolicyFields } from '../../manifests/calculations/findUnknownPolicyFields.js';
import { yamlDocumentToJs } from '../../io/yamlDocumentToJs.js';
import type { GeneratePods, Scenario, ScenarioNode, TimelineStep } from '../models/Scenario.js';
import { DEFAULT_SCENARIO_CONTROLLER } from '../models/Scenario.js';
import { ScenarioError, type ScenarioIssue } from '../models/ScenarioError.js';
import { parseDuration } from './parseDuration.js';

/** What the parser needs to know beyond the file itself. */
export interface ScenarioContext {
  /** Whether EC2 has this instance type (the allocator's limits data). */
  isKnownInstanceType(instanceType: string): boolean;
  /** `until` when the file has none (for readers that do not simulate); otherwise required. */
  readonly defaultUntilSeconds?: number;
}

const TRUNK_LABEL = 'vpc.amazonaws.com/has-trunk-attached';
const OBJECT_KINDS = ['SecurityGroupPolicy', 'ServiceAccount', 'Pod'] as const;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_GENERATED_PODS = 100_000;
/** The longest run a scenario may ask for (one simulated day), so a typo cannot run for hours. */
export const MAX_UNTIL_SECONDS = 86_400;
/** New interfaces show in EC2's describe calls after a moment, not at once. */
const DEFAULT_VISIBILITY_DELAY_MS = 1000;

type Json = Record<string, unknown>;

/**
 * Parses and validates a scenario file (YAML, docs/architecture.md "Scenario files"). Collects every
 * problem and throws one `ScenarioError` naming each field, so nothing is simulated from a
 * half-valid file.
 */
export function parseScenario(text: string, context: ScenarioContext): Scenario {
  const documents = parseAllDocuments(text);
  if (documents.length !== 1) {
    throw new ScenarioError([{ path: '(file)', message: 'expected exactly one YAML document' }]);
  }
  const [document] = documents;
  if (document === undefined) throw new ScenarioError([{ path: '(file)', message: 'empty' }]);
  if (document.errors.length > 0) {
    throw new ScenarioError(
      document.errors.map((error) => ({ path: '(file)', message: `YAML: ${error.message}` })),
    );
  }
  const converted = yamlDocumentToJs(document);
  if ('refused' in converted) {
    throw new ScenarioError([{ path: '(file)', message: `YAML refused: ${converted.refused}` }]);
  }
  const reader = new Reader();
  const scenario = readScenario(reader, converted.value, context);
  if (reader.issues.length > 0 || scenario === null) throw new ScenarioError(reader.issues);
  return scenario;
}

function readScenario(reader: Reader, root: unknown, context: ScenarioContext): Scenario | null {
  const top = reader.object(root, '(file)');
  if (!top) return null;
  reader.onlyKeys(top, '', [
    'cluster',
    'ec2',
    'controller',
    'nodeAgent',
    'objects',
    'timeline',
    'until',
  ]);
  const cluster = readCluster(reader, top['cluster'], context);
  const ec2 = readEc2(reader, top['ec2']);
  const controller = readController(reader, top['controller']);
  const nodeAgent = readNodeAgent(reader, top['nodeAgent']);
  const objects = readObjects(reader, top['objects'] ?? [], 'objects');
  const until =
    top['until'] === undefined && context.defaultUntilSeconds !== undefined
      ? context.defaultUntilSeconds
      : reader.duration(top['until'], 'until');
  if (until !== null && until <= 0) reader.issue('until', 'must be after the start');
  if (until !== null && until > MAX_UNTIL_SECONDS) {
    reader.issue('until', `must be at most ${MAX_UNTIL_SECONDS}s (one simulated day)`);
  }
  const timeline = readTimeline(reader, top['timeline'] ?? [], until);
  if (!cluster || until === null) return null;
  return { cluster, ec2, controller, nodeAgent, objects, timeline, until };
}

function readCluster(
  reader: Reader,
  value: unknown,
  context: ScenarioContext,
): Scenario['cluster'] | null {
  const cluster = reader.object(value, 'cluster');
  if (!cluster) return null;
  reader.onlyKeys(cluster, 'cluster', ['name', 'vpc', 'subnets', 'securityGroups', 'nodes']);
  const name = reader.matching(cluster['name'], 'cluster.name', DNS_LABEL, 'a DNS label');
  const vpc = reader.object(cluster['vpc'], 'cluster.vpc');
  const vpcId =
    vpc && reader.matching(vpc['id'], 'cluster.vpc.id', VPC_ID, 'vpc- and 8 or 17 hex digits');
  const vpcCidr = vpc && reader.cidr(vpc['cidr'], 'cluster.vpc.cidr');
  const subnets = reader
    .list(cluster['subnets'], 'cluster.subnets', { nonEmpty: true })
    .map((item, i) => {
      const path = `cluster.subnets[${i}]`;
      const subnet = reader.object(item, path);
      return {
        id:
          subnet &&
          reader.matching(subnet['id'], `${path}.id`, SUBNET_ID, 'subnet- and 8 or 17 hex digits'),
        cidr: subnet && reader.cidr(subnet['cidr'], `${path}.cidr`),
      };
    });
  reader.unique(
    subnets.map((subnet) => subnet.id),
    'cluster.subnets',
    'id',
  );
  const securityGroups = reader
    .list(cluster['securityGroups'], 'cluster.securityGroups', { nonEmpty: true })
    .map((item, i) =>
      reader.matching(
        item,
        `cluster.securityGroups[${i}]`,
        GROUP_ID,
        'sg- and 8 or 17 lowercase hex digits',
      ),
    );
  const subnetIds = new Set(subnets.map((subnet) => subnet.id));
  const nodes = reader
    .list(cluster['nodes'], 'cluster.nodes', { nonEmpty: true })
    .map((item, i) => readNode(reader, item, `cluster.nodes[${i}]`, subnetIds, context));
  reader.unique(
    nodes.map((node) => node?.name ?? null),
    'cluster.nodes',
    'name',
  );
  if (name === null || vpcId === null || vpcCidr === null || !vpc) return null;
  if (subnets.some((s) => s.id === null || s.cidr === null) || securityGroups.includes(null))
    return null;
  if (nodes.includes(null)) return null;
  return {
    name,
    vpc: { id: vpcId, cidr: vpcCidr },
    subnets: subnets as { id: string; cidr: string }[],
    securityGroups: securityGroups as string[],
    nodes: nodes as ScenarioNode[],
  };
}

function readNode(
  reader: Reader,
  value: unknown,
  path: string,
  subnetIds: ReadonlySet<string | null>,
  context: ScenarioContext,
): ScenarioNode | null {
  const node = reader.object(value, path);
  if (!node) return null;
  reader.onlyKeys(node, path, ['name', 'instanceType', 'subnet', 'labels']);
  const name = reader.matching(node['name'], `${path}.name`, DNS_SUBDOMAIN, 'a DNS subdomain');
  const instanceType = reader.string(node['instanceType'], `${path}.instanceType`);
  if (instanceType !== null && !context.isKnownInstanceType(instanceType)) {
    reader.issue(`${path}.instanceType`, `unknown EC2 instance type "${instanceType}"`);
  }
  const subnet = reader.string(node['subnet'], `${path}.subnet`);
  if (subnet !== null && !subnetIds.has(subnet)) {
    reader.issue(`${path}.subnet`, `"${subnet}" is not one of cluster.subnets`);
  }
  const labels =
    node['labels'] === undefined
      ? { [TRUNK_LABEL]: 'true' }
      : reader.stringMap(node['labels'], `${path}.labels`);
  if (name === null || instanceType === null || subnet === null || labels === null) return null;
  return { name, instanceType, subnet, labels };
}

function readEc2(reader: Reader, value: unknown): Scenario['ec2'] {
  const ec2: Scenario['ec2'] = {
    latencyMs: null,
    throttle: {},
    faults: [],
    visibilityDelayMs: DEFAULT_VISIBILITY_DELAY_MS,
  };
  if (value === undefined || value === null) return ec2;
  const section = reader.object(value, 'ec2');
  if (!section) return ec2;
  reader.onlyKeys(section, 'ec2', ['latencyMs', 'throttle', 'faults', 'visibilityDelayMs']);
  if (section['visibilityDelayMs'] !== undefined) {
    ec2.visibilityDelayMs =
      reader.number(section['visibilityDelayMs'], 'ec2.visibilityDelayMs', {
        min: 0,
        max: 600_000,
      }) ?? DEFAULT_VISIBILITY_DELAY_MS;
  }
  if (section['latencyMs'] !== undefined) {
    const latency = reader.object(section['latencyMs'], 'ec2.latencyMs');
    if (latency) {
      reader.onlyKeys(latency, 'ec2.latencyMs', ['min', 'max']);
      const min = reader.number(latency['min'], 'ec2.latencyMs.min', { min: 0 });
      const max = reader.number(latency['max'], 'ec2.latencyMs.max', { min: 0 });
      if (min !== null && max !== null && min > max)
        reader.issue('ec2.latencyMs', 'min is above max');
      if (min !== null && max !== null) ec2.latencyMs = { min, max };
    }
  }
  if (section['throttle'] !== undefined) {
    const throttle = reader.object(section['throttle'], 'ec2.throttle');
    for (const [api, bucketValue] of Object.entries(throttle ?? {})) {
      const path = `ec2.throttle.${api}`;
      if (!isEc2Api(api)) {
        reader.issue(path, `unknown EC2 API; expected one of ${EC2_API_NAMES.join(', ')}`);
        continue;
      }
      const bucket = reader.object(bucketValue, path);
      if (!bucket) continue;
      reader.onlyKeys(bucket, path, ['capacity', 'refillPerSecond']);
      const capacity = reader.number(bucket['capacity'], `${path}.capacity`, {
        min: 1,
        integer: true,
      });
      const refill = reader.number(bucket['refillPerSecond'], `${path}.refillPerSecond`, {
        min: 0,
      });
      if (capacity !== null && refill !== null)
        ec2.throttle[api] = { capacity, refillPerSecond: refill };
    }
  }
  ec2.faults = reader.list(section['faults'] ?? [], 'ec2.faults').flatMap((item, i) => {
    const path = `ec2.faults[${i}]`;
    const fault = reader.object(item, path);
    if (!fault) return [];
    reader.onlyKeys(fault, path, ['api', 'rate']);
    const api = reader.string(fault['api'], `${path}.api`);
    if (api !== null && !isEc2Api(api)) {
      reader.issue(
        `${path}.api`,
        `unknown EC2 API "${api}"; expected one of ${EC2_API_NAMES.join(', ')}`,
      );
    }
    const rate = reader.number(fault['rate'], `${path}.rate`, { min: 0, max: 1 });
    return api !== null && isEc2Api(api) && rate !== null ? [{ api, rate }] : [];
  });
  return ec2;
}

function readController(reader: Reader, value: unknown): Scenario['controller'] {
  const controller: Scenario['controller'] = { ...DEFAULT_SCENARIO_CONTROLLER };
  if (value === undefined || value === null) return controller;
  const section = reader.object(value, 'controller');
  if (!section) return controller;
  reader.onlyKeys(section, 'controller', [
    'strategy',
    'cooldownSeconds',
    'recycleSeconds',
    'workers',
    'ec2ClientQps',
    'ec2ClientBurst',
    'moveBranches',
    'releaseWaitSeconds',
    'warmPool',
  ]);
  const strategy = section['strategy'];
  if (strategy !== undefined) {
    if (strategy === 'podsg' || strategy === 'baseline') controller.strategy = strategy;
    else reader.issue('controller.strategy', 'must be "podsg" or "baseline"');
  }
  const optional = (key: string, bounds: NumberBounds): number | null =>
    section[key] === undefined ? null : reader.number(section[key], `controller.${key}`, bounds);
  controller.cooldownSeconds = optional('cooldownSeconds', { min: 30 });
  controller.recycleSeconds = optional('recycleSeconds', { min: 0 });
  controller.workers = optional('workers', { min: 1, max: 1000, integer: true });
  controller.ec2ClientQps = optional('ec2ClientQps', { min: 0.01 });
  controller.ec2ClientBurst = optional('ec2ClientBurst', { min: 1, integer: true });
  const moveBranches = section['moveBranches'];
  if (typeof moveBranches === 'boolean') controller.moveBranches = moveBranches;
  else if (moveBranches !== undefined) {
    reader.issue('controller.moveBranches', 'must be true or false');
  }
  controller.releaseWaitSeconds = optional('releaseWaitSeconds', { min: 0 });
  if (section['warmPool'] !== undefined) {
    const pool = reader.object(section['warmPool'], 'controller.warmPool');
    if (pool) {
      reader.onlyKeys(pool, 'controller.warmPool', ['branchesPerNode', 'idleSeconds']);
      const branchesPerNode = reader.number(
        pool['branchesPerNode'],
        'controller.warmPool.branchesPerNode',
        { min: 1, max: 1000, integer: true },
      );
      const idleSeconds =
        pool['idleSeconds'] === undefined
          ? null
          : reader.number(pool['idleSeconds'], 'controller.warmPool.idleSeconds', { min: 1 });
      if (branchesPerNode !== null) controller.warmPool = { branchesPerNode, idleSeconds };
    }
  }
  return controller;
}

function readNodeAgent(reader: Reader, value: unknown): Scenario['nodeAgent'] {
  const nodeAgent: Scenario['nodeAgent'] = { confirmRelease: false };
  if (value === undefined || value === null) return nodeAgent;
  const section = reader.object(value, 'nodeAgent');
  if (!section) return nodeAgent;
  reader.onlyKeys(section, 'nodeAgent', ['confirmRelease']);
  const confirmRelease = section['confirmRelease'];
  if (typeof confirmRelease === 'boolean') nodeAgent.confirmRelease = confirmRelease;
  else if (confirmRelease !== undefined) {
    reader.issue('nodeAgent.confirmRelease', 'must be true or false');
  }
  return nodeAgent;
}

function readObjects(reader: Reader, value: unknown, path: string): Json[] {
  return reader.list(value, path).flatMap((item, i) => {
    const itemPath = `${path}[${i}]`;
    const object = reader.object(item, itemPath);
    if (!object) return [];
    const kind = object['kind'];
    if (typeof kind !== 'string' || !(OBJECT_KINDS as readonly string[]).includes(kind)) {
      reader.issue(`${itemPath}.kind`, `must be one of ${OBJECT_KINDS.join(', ')}`);
      return [];
    }
    const metadata = reader.object(object['metadata'], `${itemPath}.metadata`);
    if (!metadata) return [];
    reader.matching(
      metadata['name'],
      `${itemPath}.metadata.name`,
      DNS_SUBDOMAIN,
      'a DNS subdomain',
    );
    if (metadata['namespace'] !== undefined) {
      reader.matching(
        metadata['namespace'],
        `${itemPath}.metadata.namespace`,
        DNS_LABEL,
        'a DNS label',
      );
    }
    if (kind === 'SecurityGroupPolicy') {
      const unknownFields = findUnknownPolicyFields(object);
      for (const issue of unknownFields) reader.issue(`${itemPath}.${issue.path}`, issue.message);
      if (unknownFields.length > 0) return [];
      try {
        parseSecurityGroupPolicy({ ...object, metadata: { namespace: 'default', ...metadata } });
      } catch (error) {
        if (!(error instanceof PolicyValidationError)) throw error;
        for (const issue of error.issues) reader.issue(`${itemPath}.${issue.path}`, issue.message);
        return [];
      }
    }
    if (kind === 'Pod') {
      const spec = reader.object(object['spec'], `${itemPath}.spec`);
      if (spec) reader.list(spec['containers'], `${itemPath}.spec.containers`, { nonEmpty: true });
    }
    return [object];
  });
}

function readTimeline(reader: Reader, value: unknown, until: number | null): TimelineStep[] {
  let previous = 0;
  return reader.list(value, 'timeline').flatMap((item, i) => {
    const path = `timeline[${i}]`;
    const step = reader.object(item, path);
    if (!step) return [];
    reader.onlyKeys(step, path, ['at', 'apply', 'delete', 'restartController', 'generatePods']);
    const at = reader.duration(step['at'], `${path}.at`);
    if (at !== null && at < previous)
      reader.issue(`${path}.at`, 'timeline steps must be ordered by `at`');
    if (at !== null && until !== null && at > until) reader.issue(`${path}.at`, 'is after `until`');
    previous = at ?? previous;
    const deletes = reader.list(step['delete'] ?? [], `${path}.delete`).flatMap((target, j) => {
      const targetPath = `${path}.delete[${j}]`;
      const ref = reader.object(target, targetPath);
      if (!ref) return [];
      const kind = ref['kind'];
      if (typeof kind !== 'string' || !(OBJECT_KINDS as readonly string[]).includes(kind)) {
        reader.issue(`${targetPath}.kind`, `must be one of ${OBJECT_KINDS.join(', ')}`);
        return [];
      }
      const name = reader.string(ref['name'], `${targetPath}.name`);
      const namespace =
        ref['namespace'] === undefined
          ? 'default'
          : reader.string(ref['namespace'], `${targetPath}.namespace`);
      return name !== null && namespace !== null
        ? [{ kind: kind as TimelineStep['delete'][number]['kind'], namespace, name }]
        : [];
    });
    const restart = step['restartController'];
    if (restart !== undefined && typeof restart !== 'boolean') {
      reader.issue(`${path}.restartController`, 'must be true or false');
    }
    const generatePods =
      step['generatePods'] === undefined
        ? null
        : readGeneratePods(reader, step['generatePods'], `${path}.generatePods`);
    if (at === null) return [];
    return [
      {
        at,
        apply: readObjects(reader, step['apply'] ?? [], `${path}.apply`),
        delete: deletes,
        restartController: restart === true,
        generatePods,
      },
    ];
  });
}

function readGeneratePods(reader: Reader, value: unknown, path: string): GeneratePods | null {
  const spec = reader.object(value, path);
  if (!spec) return null;
  reader.onlyKeys(spec, path, ['count', 'namespace', 'prefix', 'labels', 'serviceAccountName']);
  const count = reader.number(spec['count'], `${path}.count`, {
    min: 1,
    max: MAX_GENERATED_PODS,
    integer: true,
  });
  const namespace =
    spec['namespace'] === undefined
      ? 'default'
      : reader.matching(spec['namespace'], `${path}.namespace`, DNS_LABEL, 'a DNS label');
  const prefix = reader.matching(spec['prefix'], `${path}.prefix`, DNS_LABEL, 'a DNS label');
  const labels =
    spec['labels'] === undefined ? {} : reader.stringMap(spec['labels'], `${path}.labels`);
  const serviceAccountName =
    spec['serviceAccountName'] === undefined
      ? 'default'
      : reader.matching(
          spec['serviceAccountName'],
          `${path}.serviceAccountName`,
          DNS_SUBDOMAIN,
          'a DNS subdomain',
        );
  if (
    count === null ||
    namespace === null ||
    prefix === null ||
    labels === null ||
    serviceAccountName === null
  ) {
    return null;
  }
  return { count, namespace, prefix, labels, serviceAccountName };
}

function isEc2Api(api: string): api is Ec2ApiName {
  return (EC2_API_NAMES as readonly string[]).includes(api);
}

interface NumberBounds {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** Reads typed values out of parsed YAML, recording an issue (and returning null) for each misfit. */
class Reader {
  readonly issues: ScenarioIssue[] = [];

  issue(path: string, message: string): void {
    this.issues.push({ path: path === '' ? '(file)' : path, message });
  }

  object(value: unknown, path: string): Json | null {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
    this.issue(path, value === undefined ? 'is required' : 'must be a mapping');
    return null;
  }

  onlyKeys(value: Json, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        this.issue(
          path === '' ? key : `${path}.${key}`,
          `unknown field; expected one of ${allowed.join(', ')}`,
        );
      }
    }
  }

  list(value: unknown, path: string, options: { nonEmpty?: boolean } = {}): unknown[] {
    if (!Array.isArray(value)) {
      this.issue(path, value === undefined ? 'is required' : 'must be a list');
      return [];
    }
    if (options.nonEmpty === true && value.length === 0) this.issue(path, 'must not be empty');
    return value;
  }

  string(value: unknown, path: string): string | null {
    if (typeof value === 'string' && value !== '') return value;
    this.issue(path, value === undefined ? 'is required' : 'must be a non-empty string');
    return null;
  }

  matching(value: unknown, path: string, pattern: RegExp, what: string): string | null {
    const text = this.string(value, path);
    if (text === null) return null;
    if (pattern.test(text)) return text;
    this.issue(path, `"${text}" is not ${what}`);
    return null;
  }

  cidr(value: unknown, path: string): string | null {
    const text = this.string(value, path);
    if (text === null) return null;
    const match = IPV4_CIDR.exec(text);
    const octetsOk = match?.slice(1, 5).every((octet) => Number(octet) <= 255) ?? false;
    const prefix = Number(match?.[5]);
    if (match && octetsOk && prefix >= 8 && prefix <= 28) return text;
    this.issue(path, `"${text}" is not an IPv4 CIDR with a prefix length from /8 to /28`);
    return null;
  }

  number(value: unknown, path: string, bounds: NumberBounds): number | null {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.issue(path, value === undefined ? 'is required' : 'must be a number');
      return null;
    }
    if (bounds.integer === true && !Number.isInteger(value))
      this.issue(path, 'must be a whole number');
    else if (bounds.min !== undefined && value < bounds.min)
      this.issue(path, `must be at least ${bounds.min}`);
    else if (bounds.max !== undefined && value > bounds.max)
      this.issue(path, `must be at most ${bounds.max}`);
    else return value;
    return null;
  }

  duration(value: unknown, path: string): number | null {
    const seconds = parseDuration(value);
    if (seconds === null) {
      this.issue(
        path,
        value === undefined ? 'is required' : 'must be a duration such as 90s, 10m or 1h',
      );
    }
    return seconds;
  }

  stringMap(value: unknown, path: string): Record<string, string> | null {
    const map = this.object(value, path);
    if (!map) return null;
    const entries = Object.entries(map);
    for (const [key, item] of entries) {
      if (typeof item !== 'string') this.issue(`${path}.${key}`, 'must be a string');
    }
    return entries.every(([, item]) => typeof item === 'string')
      ? (map as Record<string, string>)
      : null;
  }

  unique(values: readonly (string | null)[], path: string, field: string): void {
    const seen = new Set<string>();
    values.forEach((value, i) => {
      if (value === null) return;
      if (seen.has(value)) this.issue(`${path}[${i}].${field}`, `duplicate ${field} "${value}"`);
      seen.add(value);
    });
  }
}
