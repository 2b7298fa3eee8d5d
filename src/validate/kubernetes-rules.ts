// Checks for manifests meant for a Kubernetes cluster (opencode-memory-pod's kubernetes target,
// or any manifest validated with --target kubernetes), beyond the schema: the rules themselves
// are one file each in rules/k8s/.
import type { KubernetesRule } from './rules/k8s';

export { KUBERNETES_RULES } from './rules/k8s';
export type { KubernetesRule };

/** The cluster version assumed when none is given: what our own Kubernetes manifests need. */
export const DEFAULT_KUBERNETES_MINOR = 29;

/** "Kubernetes before 1.29": the releases a rule applies to. */
export function describeKubernetesRange(rule: KubernetesRule): string {
  return `Kubernetes before 1.${rule.needs}`;
}
