import { parse } from '../../daemon/config/readSetting.js';
import { optional } from '../../daemon/config/SettingSpec.js';
import { kubeconfigSetting, logLevelSetting } from '../../daemon/config/sharedSettings.js';
import type { SettingSpec, SettingsOf } from '../../daemon/config/SettingSpec.js';

/** Every setting of `podsgd node-agent`; the README's configuration table lists the same. */
export const nodeAgentSettings = {
  nodeName: {
    flag: '--node-name <name>',
    env: ['PODSG_NODE_NAME', 'NODE_NAME'],
    description: 'this node (downward API spec.nodeName)',
    parse: parse.dnsSubdomain,
    fallback: 'required',
  },
  kubeconfig: kubeconfigSetting,
  fakeCloud: optional({
    flag: '--fake-cloud <scenario.yaml>',
    env: ['PODSG_FAKE_CLOUD'],
    description:
      "development only: an in-process FakeCluster built from the scenario's cluster section",
    parse: parse.text,
  }),
  agentSocket: {
    flag: '--agent-socket <path>',
    env: ['PODSG_AGENT_SOCKET'],
    description: 'unix socket podsg-cni asks (mode 0600)',
    parse: parse.text,
    fallback: '/run/podsg/agent.sock',
  },
  trunkLink: {
    flag: '--trunk-link <ifname>',
    env: ['PODSG_TRUNK_LINK'],
    description: "the host link of the node's trunk interface",
    parse: parse.text,
    fallback: 'eth1',
  },
  cniBinDir: {
    flag: '--cni-bin-dir <dir>',
    env: ['PODSG_CNI_BIN_DIR'],
    description: "host CNI bin directory podsg-cni is installed into ('' skips the install)",
    parse: parse.text,
    fallback: '/host/opt/cni/bin',
  },
  cniConfDir: {
    flag: '--cni-conf-dir <dir>',
    env: ['PODSG_CNI_CONF_DIR'],
    description: "host CNI configuration directory the podsg conflist is written to ('' skips it)",
    parse: parse.text,
    fallback: '/host/etc/cni/net.d',
  },
  enforcingMode: {
    flag: '--enforcing-mode <mode>',
    env: ['PODSG_ENFORCING_MODE', 'POD_SECURITY_GROUP_ENFORCING_MODE'],
    description: 'strict or standard (as EKS)',
    parse: parse.oneOf(['strict', 'standard'] as const),
    fallback: 'strict' as const,
  },
  mtu: {
    flag: '--mtu <bytes>',
    env: ['PODSG_MTU'],
    description: 'MTU of branch pod interfaces',
    parse: parse.positiveInteger,
    fallback: 9001,
  },
  vethPrefix: {
    flag: '--veth-prefix <prefix>',
    env: ['PODSG_VETH_PREFIX'],
    description: 'host veth name prefix',
    parse: parse.text,
    fallback: 'eni',
  },
  primaryLink: {
    flag: '--primary-link <ifname>',
    env: ['PODSG_PRIMARY_LINK'],
    description: "the node's primary link (standard mode's connmark rules)",
    parse: parse.text,
    fallback: 'eth0',
  },
  nodeSetup: {
    flag: '--node-setup <on|off>',
    env: ['PODSG_NODE_SETUP'],
    description: "apply the enforcing mode's node setup (rules, nft table) at start",
    parse: parse.oneOf(['on', 'off'] as const),
    fallback: 'on' as const,
  },
  opsHost: {
    flag: '--ops-host <address>',
    env: ['PODSG_OPS_HOST'],
    description: 'address of /healthz and /readyz',
    parse: parse.text,
    fallback: '127.0.0.1',
  },
  opsPort: {
    flag: '--ops-port <port>',
    env: ['PODSG_OPS_PORT'],
    description: 'port of /healthz and /readyz',
    parse: parse.port,
    fallback: 8081,
  },
  releaseScanMs: {
    flag: '--release-scan <duration>',
    env: ['PODSG_RELEASE_SCAN'],
    description: 'how often departed branch pods are checked for their VLAN device being gone',
    parse: parse.durationMs,
    fallback: 1000,
    fallbackText: '1s',
  },
  logLevel: logLevelSetting,
} satisfies Record<string, SettingSpec<unknown>>;

/** The parsed configuration of `podsgd node-agent`. */
export type NodeAgentSettings = SettingsOf<typeof nodeAgentSettings>;
