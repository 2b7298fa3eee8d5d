import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stage } from '../model/pod-model';
import { packageRoot } from '../package-root';

/**
 * Scripts of the Kubernetes target's ConfigMap: the same per-service health checks as the podman
 * target, with the secrets they read already in the container's environment (secretKeyRef), and
 * the requirepass hand-over. No launcher: native sidecars give the order.
 */
export function kubernetesRuntimeScripts(stages: readonly Stage[]): Record<string, string> {
  const cases = stages.map(({ spec }) => {
    const body = spec.health.script
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
    return `  ${spec.name})\n${body}\n    ;;`;
  });
  const health = [
    '# opencode-memory-pod health checks (generated). Usage: health.sh SERVICE',
    "# Exit status 0 = healthy. Runs inside the service's own container with only that image's tools;",
    '# the secrets it reads are in the environment (secretKeyRef), never in argv.',
    'set -u',
    'case ${1:-} in',
    ...cases,
    '  *)',
    '    echo "health.sh: unknown service: ${1:-}" >&2',
    '    exit 2',
    '    ;;',
    'esac',
    '',
  ].join('\n');
  return {
    'health.sh': health,
    'requirepass-exec.sh': readFileSync(join(packageRoot(), 'runtime', 'requirepass-exec.sh'), 'utf8'),
  };
}
