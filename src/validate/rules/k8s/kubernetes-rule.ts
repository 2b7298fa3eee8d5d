import { Severity } from '../../../lib/finding';
import { RuleContext, RuleHit } from '../../rule';
import { RuleExamples } from '../podman-rule';

/**
 * A rule for manifests meant for a Kubernetes cluster (the kubernetes target, or any manifest
 * validated with --target kubernetes), beyond the schema. One file each in this folder,
 * registered in index.ts.
 */
export interface KubernetesRule {
  /** `k8s/` and the name of its file. */
  readonly id: string;
  readonly severity: Severity;
  /** First Kubernetes minor release (1.x) where the manifest works as written. */
  readonly needs: number;
  /** One line for `validate --rules` and the README. */
  readonly title: string;
  /** What goes wrong and why, in a sentence or two; for the README. */
  readonly doc: string;
  /** How to avoid it; a finding may say it more precisely. */
  readonly fix: string;
  check(ctx: RuleContext): RuleHit[];
  /** Manifests that show the rule (bad fires before `needs`), checked by test/rule-examples.test.ts. */
  readonly examples: RuleExamples;
}
