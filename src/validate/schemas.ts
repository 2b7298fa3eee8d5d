import schema128 from './kubernetes-1.28.schema.json';
import schema133 from './kubernetes-1.33.schema.json';

/**
 * The strict schemas, by the Kubernetes release whose types they were generated from (cdk8s-plus-28
 * and cdk8s-plus-33). 1.28 is the default for podman, whose kube play knows no newer fields; a
 * cluster is judged by the newest schema not newer than its version.
 */
export const SCHEMAS = { '1.28': schema128, '1.33': schema133 } as const;
export type SchemaVersion = keyof typeof SCHEMAS;
