import { hostname } from 'node:os';
import { parse } from '../../daemon/config/readSetting.js';
import { optional } from '../../daemon/config/SettingSpec.js';
import { kubeconfigSetting, logLevelSetting } from '../../daemon/config/sharedSettings.js';
import type { SettingSpec, SettingsOf } from '../../daemon/config/SettingSpec.js';

/**
 * Every setting of `podsgd controller`: flag, environment variables, parser, default. The
 * README's configuration table lists the same.
 */
export const controllerSettings = {
  clusterName: {
    flag: '--cluster-name <name>',
    env: ['PODSG_CLUSTER_NAME', 'CLUSTER_NAME'],
    description:
      'cluster name of the kubernetes.io/cluster/<name> tag on every interface podsg creates',
    parse: parse.dnsSubdomain,
    fallback: 'required',
  },
  region: optional({
    flag: '--region <region>',
    env: ['PODSG_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION'],
    description: 'AWS region (required unless --fake-cloud)',
    parse: (text: string) => {
      if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(text))
        throw new Error(`must be an AWS region like eu-west-1, got "${text}"`);
      return text;
    },
  }),
  ec2Endpoint: optional({
    flag: '--ec2-endpoint <url>',
    env: ['PODSG_EC2_ENDPOINT', 'AWS_ENDPOINT_URL_EC2'],
    description: 'EC2 endpoint override (an emulator, a VPC endpoint)',
    parse: parse.url,
  }),
  vpcId: optional({
    flag: '--vpc-id <id>',
    env: ['PODSG_VPC_ID'],
    description: 'restrict EC2 listings to this VPC',
    parse: (text: string) => {
      if (!/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(text))
        throw new Error(`must be a VPC id like vpc-0a1b2c3d, got "${text}"`);
      return text;
    },
  }),
  kubeconfig: kubeconfigSetting,
  fakeCloud: optional({
    flag: '--fake-cloud <scenario.yaml>',
    env: ['PODSG_FAKE_CLOUD'],
    description:
      "development only: run against in-process FakeEc2 and FakeCluster built from the scenario's cluster section",
    parse: parse.text,
  }),
  namespace: {
    flag: '--namespace <ns>',
    env: ['PODSG_NAMESPACE', 'POD_NAMESPACE'],
    description: "namespace of the controller's lease",
    parse: parse.dnsSubdomain,
    fallback: 'podsg-system',
  },
  identity: {
    flag: '--identity <name>',
    env: ['PODSG_IDENTITY', 'POD_NAME'],
    description: 'leader election identity (a random suffix is added per process)',
    parse: parse.text,
    fallback: hostname(),
  },
  leaseName: {
    flag: '--lease-name <name>',
    env: ['PODSG_LEASE_NAME'],
    description: 'name of the coordination.k8s.io/v1 Lease',
    parse: parse.dnsSubdomain,
    fallback: 'podsg-controller',
  },
  leaseDurationMs: {
    flag: '--lease-duration <duration>',
    env: ['PODSG_LEASE_DURATION'],
    description: 'how long a lease holds after its last renewal',
    parse: parse.durationMs,
    fallback: 15_000,
    fallbackText: '15s',
  },
  renewDeadlineMs: {
    flag: '--renew-deadline <duration>',
    env: ['PODSG_RENEW_DEADLINE'],
    description:
      'a leader that cannot renew for this long fences itself (less than --lease-duration)',
    parse: parse.durationMs,
    fallback: 10_000,
    fallbackText: '10s',
  },
  retryPeriodMs: {
    flag: '--retry-period <duration>',
    env: ['PODSG_RETRY_PERIOD'],
    description: 'pause between lease attempts',
    parse: parse.durationMs,
    fallback: 2_000,
    fallbackText: '2s',
  },
  webhookHost: {
    flag: '--webhook-host <address>',
    env: ['PODSG_WEBHOOK_HOST'],
    description: 'address the HTTPS webhooks listen on',
    parse: parse.text,
    fallback: '0.0.0.0',
  },
  webhookPort: {
    flag: '--webhook-port <port>',
    env: ['PODSG_WEBHOOK_PORT'],
    description: 'HTTPS port of the admission webhooks',
    parse: parse.port,
    fallback: 9443,
  },
  tlsCertFile: {
    flag: '--tls-cert-file <file>',
    env: ['PODSG_TLS_CERT_FILE'],
    description: 'serving certificate (PEM), reloaded when it changes',
    parse: parse.text,
    fallback: '/etc/podsg/tls/tls.crt',
  },
  tlsKeyFile: {
    flag: '--tls-key-file <file>',
    env: ['PODSG_TLS_KEY_FILE'],
    description: 'serving key (PEM)',
    parse: parse.text,
    fallback: '/etc/podsg/tls/tls.key',
  },
  selfSignedWebhookCert: {
    flag: '--self-signed-webhook-cert',
    env: ['PODSG_SELF_SIGNED_WEBHOOK_CERT'],
    description:
      'generate a CA and serving certificate at start, write them to --tls-*-file and the CA into the webhook configurations',
    parse: parse.boolean,
    fallback: false,
  },
  webhookService: {
    flag: '--webhook-service <name>',
    env: ['PODSG_WEBHOOK_SERVICE'],
    description:
      'Service name of the webhooks (the self-signed certificate names <service>.<namespace>.svc)',
    parse: parse.dnsSubdomain,
    fallback: 'podsg-webhook',
  },
  webhookConfigurationName: {
    flag: '--webhook-configuration <name>',
    env: ['PODSG_WEBHOOK_CONFIGURATION'],
    description:
      'name of the Mutating- and ValidatingWebhookConfiguration (for the self-signed CA)',
    parse: parse.dnsSubdomain,
    fallback: 'podsg',
  },
  opsHost: {
    flag: '--ops-host <address>',
    env: ['PODSG_OPS_HOST'],
    description: 'address of the plain-HTTP /healthz, /readyz and /metrics endpoint',
    parse: parse.text,
    fallback: '0.0.0.0',
  },
  opsPort: {
    flag: '--ops-port <port>',
    env: ['PODSG_OPS_PORT'],
    description: 'port of /healthz, /readyz and /metrics',
    parse: parse.port,
    fallback: 8080,
  },
  controllerUsername: optional({
    flag: '--controller-username <user>',
    env: ['PODSG_CONTROLLER_USERNAME'],
    description:
      'the user allowed to write the pod-eni annotation (default system:serviceaccount:<namespace>:podsg-controller)',
    parse: parse.text,
  }),
  cooldownSeconds: optional({
    flag: '--cooldown <seconds>',
    env: ['PODSG_COOLDOWN_SECONDS'],
    description: 'seconds a released branch drains before reuse or deletion (minimum 30)',
    parse: parse.positiveInteger,
  }),
  moveBranches: {
    flag: '--move-branches <true|false>',
    env: ['PODSG_MOVE_BRANCHES'],
    description:
      "move a held branch from another node of the subnet to a pod's node (disassociate + associate) instead of creating one",
    parse: parse.boolean,
    fallback: true,
  },
  releaseWaitMs: optional({
    flag: '--release-wait <duration>',
    env: ['PODSG_RELEASE_WAIT'],
    description:
      'a pod that would create a branch first waits up to this long for one of its groups being released on its node or subnet (default: no wait)',
    parse: parse.durationMs,
  }),
  warmPoolBranches: optional({
    flag: '--warm-pool <branches>',
    env: ['PODSG_WARM_POOL'],
    description:
      'branches each node keeps ready for the group sets its pods recently used, created with spare EC2 tokens (default: no warm pool)',
    parse: parse.positiveInteger,
  }),
  warmPoolIdleMs: optional({
    flag: '--warm-pool-idle <duration>',
    env: ['PODSG_WARM_POOL_IDLE'],
    description: 'how long a warm branch waits for a pod before it is deleted (default 10m)',
    parse: parse.durationMs,
  }),
  logLevel: logLevelSetting,
} satisfies Record<string, SettingSpec<unknown>>;

/** The parsed configuration of `podsgd controller`. */
export type ControllerSettings = SettingsOf<typeof controllerSettings>;
