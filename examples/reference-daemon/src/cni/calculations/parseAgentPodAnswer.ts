import { CniError } from '@podsg/cni';
import type { AgentPodAnswer } from '@podsg/cni';
import { parsePodEniBranch } from '@podsg/allocator/pod-eni';

/** A Linux interface name: 1..15 characters, none that a shell, a path or `ip` would read specially. */
const LINK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/**
 * Validates the JSON body of a node agent's `200` answer to `GET /v1/pods/{namespace}/{name}`
 * (docs/architecture.md, "Pod networking and the agent protocol"). Unknown keys are ignored; a wrong known key throws
 * `CniError` of kind `InvalidAgentAnswer` naming the field.
 *
 * @param body - the decoded JSON body
 * @param source - who answered, for messages (e.g. `node agent /run/podsg/agent.sock for pod default/web`)
 */
export function parseAgentPodAnswer(body: unknown, source: string): AgentPodAnswer {
  const invalid = (field: string, problem: string): CniError =>
    new CniError('InvalidAgentAnswer', `${source}: field "${field}" ${problem}`, {
      details: field,
    });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CniError('InvalidAgentAnswer', `${source}: the answer must be a JSON object`, {
      details: '(body)',
    });
  }
  const { podUid, required, branch, trunkLink } = body as Record<string, unknown>;
  if (typeof podUid !== 'string' || podUid === '') {
    throw invalid('podUid', 'must be a non-empty string');
  }
  if (typeof required !== 'boolean') {
    throw invalid('required', 'must be true or false');
  }
  if (!required) return { podUid, required };

  if (typeof trunkLink !== 'string' || !LINK_NAME.test(trunkLink) || trunkLink === '..') {
    throw invalid('trunkLink', 'must be a link name of 1..15 characters [A-Za-z0-9_.-]');
  }
  if (branch === undefined) {
    throw invalid('branch', 'must be present (an attachment or null) when "required" is true');
  }
  if (branch === null) return { podUid, required, branch: null, trunkLink };
  const parsed = parsePodEniBranch(branch, 'branch');
  if (!parsed.ok) throw invalid(parsed.field, parsed.problem);
  return { podUid, required, branch: parsed.branch, trunkLink };
}
