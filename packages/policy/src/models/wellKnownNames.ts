/** The extended resource that makes the scheduler place a pod on a node with free branch ENIs. */
export const POD_ENI_RESOURCE = 'vpc.amazonaws.com/pod-eni';

/** The pod annotation the controller writes with the branch ENI; only the controller may set it. */
export const POD_ENI_ANNOTATION = 'vpc.amazonaws.com/pod-eni';

/** The pod annotation Fargate reads the comma-joined security group ids from. */
export const FARGATE_POD_SG_ANNOTATION = 'fargate.amazonaws.com/pod-sg';

/** The pod label EKS puts on pods that run on Fargate. */
export const FARGATE_PROFILE_LABEL = 'eks.amazonaws.com/fargate-profile';

/** The node selector key that marks a pod for Windows nodes (value `windows`). */
export const NODE_OS_LABEL = 'kubernetes.io/os';
