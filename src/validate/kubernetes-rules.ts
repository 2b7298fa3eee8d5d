// Checks for manifests meant for a Kubernetes cluster (opencode-memory-pod's kubernetes target,
// or any manifest validated with --target kubernetes), beyond the 1.28 schema.
import { Severity } from '../lib/finding';
import { containersOf, podSpecsOf } from './pod-specs';
import { RuleContext, RuleHit } from './rule';

/** The cluster version assumed when none is given: what our own Kubernetes manifests need. */
export const DEFAULT_KUBERNETES_MINOR = 29;

export interface KubernetesRule {
  readonly id: string;
  readonly severity: Severity;
  /** First Kubernetes minor release (1.x) where the manifest works as written. */
  readonly needs: number;
  readonly title: string;
  /** What goes wrong and why, in a sentence or two; for the README. */
  readonly doc: string;
  /** How to avoid it; a finding may say it more precisely. */
  readonly fix: string;
  check(ctx: RuleContext): RuleHit[];
}

export const KUBERNETES_RULES: readonly KubernetesRule[] = [
  {
    id: 'k8s/native-sidecar-version',
    severity: 'error',
    needs: 29,
    title: 'native sidecars need Kubernetes 1.29 (beta, on by default)',
    doc:
      'Kubernetes 1.28 runs an init container with restartPolicy: Always as a sidecar only with the SidecarContainers ' +
      'feature gate; without it the pod never gets past its init containers.',
    fix: 'use a cluster at Kubernetes 1.29 or later',
    check: (ctx) =>
      podSpecsOf(ctx.doc).flatMap((pod) =>
        containersOf(pod)
          .filter((c) => c.init && c.container.restartPolicy === 'Always')
          .map((c) => ({
            path: [...c.path, 'restartPolicy'],
            message: `"${c.name}" is a native sidecar: Kubernetes 1.28 runs it only with the SidecarContainers feature gate; without it the field is dropped and the pod never gets past its init containers`,
          })),
      ),
  },
];

/** "Kubernetes before 1.29": the releases a rule applies to. */
export function describeKubernetesRange(rule: KubernetesRule): string {
  return `Kubernetes before 1.${rule.needs}`;
}
