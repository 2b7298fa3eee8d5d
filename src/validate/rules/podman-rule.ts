import { Severity } from '../../lib/finding';
import { VersionRange } from '../../lib/podman-version';
import { RuleContext, RuleHit } from '../rule';
import { ExampleDocs } from './example-pod';

/**
 * A podman rule: what `podman kube play` does with a manifest, on the podman versions it does it.
 * Each lives in a file of its own in this folder, registered in index.ts.
 */
export interface PodmanRule {
  readonly id: string;
  readonly severity: Severity;
  /** Podman versions the behaviour exists in. */
  readonly podman: VersionRange;
  /** One line for `validate --rules` and the README. */
  readonly title: string;
  /** What podman does and what follows, in a sentence or two; for the README. */
  readonly doc: string;
  /** How to avoid it; a finding may say it more precisely. */
  readonly fix: string;
  /** What real podman did that changed this rule (`npm run test:rules`, podman's source); for the README. */
  readonly observed?: string;
  check(ctx: RuleContext): RuleHit[];
  /** Manifests that show the rule, checked by test/rule-examples.test.ts. */
  readonly examples: RuleExamples;
}

/** Each example is the clean pod of example-pod.ts changed one way. */
export type ExampleEdit = (docs: ExampleDocs) => void;

export interface RuleExamples {
  /** What the rule is about: it fires on every version in its range, at `path`. */
  readonly bad: ReadonlyArray<{
    readonly edit: ExampleEdit;
    /** Where the first finding points. */
    readonly path: string;
    /** Other rules at warning or error level the same manifest rightly trips. */
    readonly also?: readonly string[];
  }>;
  /** Close to bad, and fine: the rule stays silent on every version. */
  readonly nearMiss: readonly ExampleEdit[];
}
