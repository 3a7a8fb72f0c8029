/**
 * A kubeconfig (YAML) with one cluster, one user authenticated by a bearer token, and one
 * current context. Every value is JSON-quoted, which is valid YAML whatever it contains.
 */
export function kubeconfigYaml(options: {
  server: string;
  caPem: string | null;
  user: string;
  token: string;
  clusterName?: string;
}): string {
  const cluster = options.clusterName ?? 'podsg-fake';
  const q = (value: string): string => JSON.stringify(value);
  const authority =
    options.caPem === null
      ? ''
      : `    certificate-authority-data: ${q(Buffer.from(options.caPem).toString('base64'))}\n`;
  return (
    `apiVersion: v1\nkind: Config\n` +
    `clusters:\n- name: ${q(cluster)}\n  cluster:\n    server: ${q(options.server)}\n${authority}` +
    `users:\n- name: ${q(options.user)}\n  user:\n    token: ${q(options.token)}\n` +
    `contexts:\n- name: ${q(`${options.user}@${cluster}`)}\n  context:\n    cluster: ${q(cluster)}\n    user: ${q(options.user)}\n    namespace: "default"\n` +
    `current-context: ${q(`${options.user}@${cluster}`)}\npreferences: {}\n`
  );
}
