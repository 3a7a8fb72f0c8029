// Writes deploy/podsg.yaml from deploy/parts/*.yaml: `npm run deploy:build -w examples/reference-daemon`
// (after `npx tsc -b`). The manifest test fails when the two differ.
import { writeFileSync } from 'node:fs';
import { concatenateManifests, readManifestParts } from '../deploy/concatenateManifests.js';

const deploy = new URL('../../deploy/', import.meta.url);
const parts = readManifestParts(deploy);
writeFileSync(new URL('podsg.yaml', deploy), concatenateManifests(parts));
console.log(`deploy/podsg.yaml: ${parts.length} parts`);
