import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stage } from '../model/pod-model';
import { packageRoot } from '../lib/package-root';
import { renderHealthScript } from './runtime-scripts';

/**
 * Scripts of the Kubernetes target's ConfigMap: the same per-service health checks as the podman
 * target, with the secrets they read already in the container's environment (secretKeyRef), and
 * the requirepass hand-over. No launcher: native sidecars give the order.
 */
export function kubernetesRuntimeScripts(stages: readonly Stage[]): Record<string, string> {
  return {
    'health.sh': renderHealthScript(stages, ['set -u'], undefined, [
      "# Exit status 0 = healthy. Runs inside the service's own container with only that image's tools;",
      '# the secrets it reads are in the environment (secretKeyRef), never in argv.',
    ]),
    'requirepass-exec.sh': readFileSync(join(packageRoot(), 'runtime', 'requirepass-exec.sh'), 'utf8'),
  };
}
