import type { ServiceIdentifier } from 'inversify';
import type { Clock, ClusterApi, NetworkInterfaceApi } from '@podsg/allocator';
import type { NodeRegistrationApi } from '../agent/ports/NodeRegistrationApi.js';
import type { ReleaseConfirmationApi } from '../agent/ports/ReleaseConfirmationApi.js';
import type { NodeAgentSettings } from '../agent/models/nodeAgentSettings.js';
import type { ControllerSettings } from '../controller/models/controllerSettings.js';
import type { Ec2PermissionPreflight } from '../controller/ports/Ec2PermissionPreflight.js';
import type { LeaseClient } from '../controller/ports/LeaseClient.js';
import type { WebhookCaBundleApi } from '../controller/ports/WebhookCaBundleApi.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';

/**
 * The service identifiers of the podsgd container: one per port, so the modules that bind
 * adapters (production, fake cloud) and the daemons that use them meet only here.
 */
export const TOKENS = {
  controllerSettings: Symbol('ControllerSettings') as ServiceIdentifier<ControllerSettings>,
  nodeAgentSettings: Symbol('NodeAgentSettings') as ServiceIdentifier<NodeAgentSettings>,
  log: Symbol('DaemonLog') as ServiceIdentifier<DaemonLog>,
  clock: Symbol('Clock') as ServiceIdentifier<Clock>,
  networkInterfaces: Symbol('NetworkInterfaceApi') as ServiceIdentifier<NetworkInterfaceApi>,
  cluster: Symbol('ClusterApi') as ServiceIdentifier<ClusterApi>,
  leases: Symbol('LeaseClient') as ServiceIdentifier<LeaseClient>,
  webhookCaBundle: Symbol('WebhookCaBundleApi') as ServiceIdentifier<WebhookCaBundleApi>,
  ec2Preflight: Symbol('Ec2PermissionPreflight') as ServiceIdentifier<Ec2PermissionPreflight>,
  nodeRegistration: Symbol('NodeRegistrationApi') as ServiceIdentifier<NodeRegistrationApi>,
  releaseConfirmation: Symbol(
    'ReleaseConfirmationApi',
  ) as ServiceIdentifier<ReleaseConfirmationApi>,
} as const;
