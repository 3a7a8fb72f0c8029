// The `podsgd` executable. Kept tiny: subcommand implementations load on demand.
import { runPodsgd } from '../cli/runPodsgd.js';

process.exitCode = await runPodsgd(process.argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
