/** A Kubernetes group/version/kind, as carried in an admission request. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A Kubernetes group/version/resource, as carried in an admission request. */
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** The operation an admission request is about. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Who made the request, as the API server authenticated them. */
export interface AdmissionUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** `admission.k8s.io/v1` AdmissionRequest. Objects are kept as untyped JSON. */
export interface AdmissionRequest {
  /** Identifies this call; the response must echo it. */
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  /** The object's name; often empty on CREATE when the name is generated. */
  name?: string;
  /** The namespace of the request; the object's own namespace may be absent on CREATE. */
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: AdmissionUserInfo;
  /** The new object (CREATE, UPDATE), as JSON. */
  object?: unknown;
  /** The existing object (UPDATE, DELETE), as JSON. */
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
}

/** The status shown to the user when a request is denied (`metav1.Status`, abridged). */
export interface AdmissionStatus {
  status?: 'Success' | 'Failure';
  /** An HTTP-like status code: 400 bad request, 403 forbidden, 422 invalid, 500 internal. */
  code?: number;
  reason?: string;
  message?: string;
}

/** `admission.k8s.io/v1` AdmissionResponse. */
export interface AdmissionResponse {
  /** Equal to the request's uid. */
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  /** Base64 of the JSON text of a `JsonPatchOperation[]`. */
  patch?: string;
  /** Always `JSONPatch` when `patch` is set. */
  patchType?: 'JSONPatch';
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

/**
 * `admission.k8s.io/v1` AdmissionReview: the API server sends one with `request`, the webhook
 * answers with one carrying `response` and the same `apiVersion` and `kind`.
 */
export interface AdmissionReview {
  apiVersion: string;
  kind: string;
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}
