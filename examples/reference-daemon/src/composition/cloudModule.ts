import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { NetworkInterfaceApi } from '@podsg/allocator';
import { SystemClock } from '@podsg/adapters-aws';
import type { FakeCloud } from './FakeCloud.js';
import {
  createEc2Api,
  createEc2Preflight,
  createKubernetesApis,
  type Ec2AdapterSettings,
  type KubernetesAdapterSettings,
  type KubernetesApis,
} from './productionAdapters.js';
import { TOKENS } from './tokens.js';

/** Where the adapters come from: the production factories, or an in-process fake cloud. */
export type CloudChoice =
  | { kind: 'production'; ec2?: Ec2AdapterSettings; kubernetes: KubernetesAdapterSettings }
  | { kind: 'fake'; cloud: FakeCloud };

/**
 * Binds every port of the podsgd container — clock, EC2, Kubernetes (cluster, leases, webhook
 * CA bundles, node registration, release confirmations), EC2 preflight — to the adapters the
 * configuration chose. The daemons never know which.
 */
export function cloudModule(choice: CloudChoice): ContainerModule {
  return new ContainerModule(({ bind }) => {
    if (choice.kind === 'fake') {
      const { cloud } = choice;
      const kubernetes = cloud.kubernetes();
      bind(TOKENS.clock).toConstantValue(cloud.clock);
      bind(TOKENS.networkInterfaces).toConstantValue(cloud.ec2);
      bind(TOKENS.ec2Preflight).toConstantValue(cloud.preflight());
      for (const token of kubernetesTokens) bind(token).toConstantValue(kubernetes);
      return;
    }
    bind(TOKENS.clock).toConstantValue(new SystemClock());
    const kubernetes = lazy(() => createKubernetesApis(choice.kubernetes));
    for (const token of kubernetesTokens) bind(token).toDynamicValue(kubernetes).inSingletonScope();
    const { ec2 } = choice;
    if (ec2 !== undefined) {
      const ec2Api = lazy((): NetworkInterfaceApi => createEc2Api(ec2));
      bind(TOKENS.networkInterfaces).toDynamicValue(ec2Api).inSingletonScope();
      bind(TOKENS.ec2Preflight)
        .toDynamicValue(() => createEc2Preflight(ec2Api(), ec2))
        .inSingletonScope();
    }
  });
}

/** Every token the Kubernetes adapter serves (one object implements all of them). */
const kubernetesTokens: readonly ServiceIdentifier<KubernetesApis>[] = [
  TOKENS.cluster,
  TOKENS.leases,
  TOKENS.webhookCaBundle,
  TOKENS.nodeRegistration,
  TOKENS.releaseConfirmation,
] as ServiceIdentifier<KubernetesApis>[];

/** `create` called once, on first use, whichever token asks first. */
function lazy<T>(create: () => T): () => T {
  let made: { value: T } | null = null;
  return () => (made ??= { value: create() }).value;
}
