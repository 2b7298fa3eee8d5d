// Layer 2 of the validator: what `podman kube play` does with a manifest, per podman version. Every
// rule comes from ../shared/notes/podman-kube-play.md (podman's source at 4.3.1 ... 5.6.2) and real
// runs (`npm run test:rules`); its message says what podman does instead, its fix how to avoid it.
//
// One file per rule. A new rule is a new file here (copy one of the same shape) and one line
// below; test/rule-examples.test.ts then checks its examples, test:rules wants a case for it on
// real podman (test/rules/cases.ts), and `npm run docs` puts it in the README. The order here is
// the order of `validate --rules` and of the README.
import './native-sidecar';
import './init-container-probe';
import './init-container-host-port';
import './init-container-restart-loop';
import './exec-probe-split';
import './exec-probe-shell-syntax';
import './http-probe-needs-curl';
import './tcp-probe-needs-nc';
import './tcp-probe-no-host';
import './probe-unknown-port-name';
import './probe-named-port';
import './readiness-probe-ignored';
import './grpc-probe-dropped';
import './startup-probe-ignored';
import './container-port-published';
import './host-port-without-host-ip';
import './store-beyond-loopback';
import './duplicate-host-port';
import './duplicate-container-port';
import './host-path-not-absolute';
import './host-path-type';
import './host-path-type-unset';
import './container-restart-policy';
import './image-pull-always';
import './image-pull-policy-unset';
import './image-reference-invalid';
import './short-image-name';
import './latest-tag';
import './moving-tag';
import './subpath-ignored';
import './inline-secret-env';
import './secret-document-values';
import './secret-ref-unsupported';
import './secret-ref-visible';
import './secret-volume-optional';
import './liveness-restart-onfailure';
import './liveness-no-restart';
import './liveness-restart-stops';
import './probe-timeout-ignored';
import './termination-grace-ignored';
import './host-pid-ignored';
import './host-ipc-ignored';
import './cpu-request-ignored';
import './security-context-ignored';
import './env-from-overrides-env';
import './pods-do-not-share-localhost';
import type { PodmanRule } from './podman-rule';
import { registeredRules } from './registry';

export type { PodmanRule };

/** Every podman rule. */
export const PODMAN_RULES: readonly PodmanRule[] = registeredRules();
