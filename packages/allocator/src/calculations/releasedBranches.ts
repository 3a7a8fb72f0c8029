import type { ReleasedBranch, ReleasedBranchesParse } from '../models/ReleasedBranch.js';
import { MAX_RELEASED_BRANCHES, RELEASED_BRANCHES_ANNOTATION } from '../models/wellKnownNames.js';

// The controller's reader of the node agent's `podsg.io/released-branches` annotation (the
// reference daemon's README, "Confirmed release"). Annotations are written by whoever may patch
// the Node, so every entry is checked and a bad one is left out with a warning: a stale or
// forged entry can at worst do nothing.

const ENI_ID = /^eni-[0-9a-f]{8,17}$/;
/** Kubernetes UIDs are RFC 4122 UUIDs; any short token without spaces is accepted. */
const POD_UID = /^[0-9A-Za-z-]{1,64}$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const MAX_VLAN_ID = 4094;
/** Far above 64 entries of ~130 characters; a longer value is not read at all. */
const MAX_ANNOTATION_LENGTH = 64 * 1024;

/**
 * Reads the `podsg.io/released-branches` annotation of a Node (a JSON array, newest last, of
 * `{ eniId, vlanId, podUid, releasedAt }`). Never throws: an absent annotation gives no
 * entries; an unreadable one gives none and a warning; each invalid entry is left out with a
 * warning naming its index and field; beyond `MAX_RELEASED_BRANCHES` entries the oldest are
 * left out with one warning. Keys other than the four are ignored.
 */
export function parseReleasedBranches(text: string | undefined): ReleasedBranchesParse {
  if (text === undefined) return { releasedBranches: [], warnings: [] };
  const where = RELEASED_BRANCHES_ANNOTATION;
  if (text.length > MAX_ANNOTATION_LENGTH) {
    return {
      releasedBranches: [],
      warnings: [
        `${where}: ${String(text.length)} characters, above ${String(MAX_ANNOTATION_LENGTH)}; ignored`,
      ],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { releasedBranches: [], warnings: [`${where}: not JSON; ignored`] };
  }
  if (!Array.isArray(parsed)) {
    return { releasedBranches: [], warnings: [`${where}: not a JSON array; ignored`] };
  }
  const warnings: string[] = [];
  const first = Math.max(0, parsed.length - MAX_RELEASED_BRANCHES);
  if (first > 0) {
    warnings.push(
      `${where}: ${String(parsed.length)} entries, above ${String(MAX_RELEASED_BRANCHES)}; the oldest ${String(first)} ignored`,
    );
  }
  const releasedBranches: ReleasedBranch[] = [];
  for (let index = first; index < parsed.length; index++) {
    const entry: unknown = parsed[index];
    const problem = entryProblem(entry);
    if (problem === null) {
      const { eniId, vlanId, podUid, releasedAt } = entry as ReleasedBranch;
      releasedBranches.push({ eniId, vlanId, podUid, releasedAt });
    } else {
      warnings.push(`${where}[${String(index)}]${problem}; entry ignored`);
    }
  }
  return { releasedBranches, warnings };
}

/** What is wrong with one entry (`.field: why`), or null when it is valid. */
function entryProblem(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return ': not an object';
  }
  const fields = entry as Record<string, unknown>;
  const { eniId, vlanId, podUid, releasedAt } = fields;
  if (typeof eniId !== 'string' || !ENI_ID.test(eniId)) {
    return `.eniId: ${describe(eniId)} is not an interface id (eni-…)`;
  }
  if (
    typeof vlanId !== 'number' ||
    !Number.isInteger(vlanId) ||
    vlanId < 1 ||
    vlanId > MAX_VLAN_ID
  ) {
    return `.vlanId: ${describe(vlanId)} is not a whole number from 1 to ${String(MAX_VLAN_ID)}`;
  }
  if (typeof podUid !== 'string' || !POD_UID.test(podUid)) {
    return `.podUid: ${describe(podUid)} is not a pod UID`;
  }
  if (typeof releasedAt !== 'string' || !RFC_3339.test(releasedAt)) {
    return `.releasedAt: ${describe(releasedAt)} is not an RFC 3339 time`;
  }
  return null;
}

/** A short rendering of a bad value for a warning (never the whole of a huge one). */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
