/**
 * One RFC 6902 JSON Patch operation. `path` and `from` are RFC 6901 JSON pointers, in which
 * `~` is written `~0` and `/` is written `~1` (so `vpc.amazonaws.com/pod-eni` becomes
 * `vpc.amazonaws.com~1pod-eni`).
 */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };
