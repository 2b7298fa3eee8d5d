// The Kubernetes rules, one file each (the id's name after `k8s/`). A new rule is a new file here
// and one line below; test/rule-examples.test.ts checks its examples, `npm run docs` lists it in
// the README. The order here is the order of `validate --rules` and of the README.
import type { KubernetesRule } from './kubernetes-rule';
import nativeSidecarVersion from './native-sidecar-version';

export type { KubernetesRule };

/** Every Kubernetes rule. */
export const KUBERNETES_RULES: readonly KubernetesRule[] = [nativeSidecarVersion];
