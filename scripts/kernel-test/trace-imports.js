/* global process */
// Host side, preloaded with `node --import`: records every file a program loads (ES
// modules through a resolve hook, CommonJS through require.cache at exit), one path per
// line, into the file named by PODSG_KTEST_TRACE. run.sh uses it to copy into the VM
// exactly the node_modules packages the podsg-cni bin needs, and to prove the bin stays
// lean (no AWS SDK, no Kubernetes client).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.PODSG_KTEST_TRACE;
if (out) {
  const hooks = `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    import { fileURLToPath } from 'node:url';
    let out;
    export function initialize(data) { out = data.out; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      if (result.url.startsWith('file:')) appendFileSync(out, fileURLToPath(result.url) + '\\n');
      return result;
    }`)}`;
  register(hooks, import.meta.url, { data: { out } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const loaded = Object.keys(require.cache).filter((path) => path.startsWith('/'));
    if (loaded.length > 0) appendFileSync(out, loaded.join('\n') + '\n');
  });
}
