import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { PodModel, Stage } from '../model/pod-model';
import { POD_PATHS } from '../model/pod-paths';

/** The scripts every container mounts at POD_PATHS.scriptsDir, by file name. */
export function runtimeScripts(model: PodModel): Record<string, string> {
  const dir = join(packageRoot(), 'runtime');
  return {
    'envfile.sh': readFileSync(join(dir, 'envfile.sh'), 'utf8'),
    'health.sh': healthScript(model),
    'launch.sh': readFileSync(join(dir, 'launch.sh'), 'utf8'),
  };
}

/**
 * health.sh SERVICE: the one health check per service, used by the liveness and startup probes
 * (argv without spaces, which podman 4.3.1 re-splits) and by the launcher before it tells
 * dependents to start. Secrets it needs are read from the env file into its environment.
 */
export function healthScript(model: PodModel): string {
  return renderHealthScript(
    model.stages,
    ['set -u', `omp_env_file=\${OMP_ENV_FILE:-${POD_PATHS.envFile}}`, `. "\${OMP_DIR:-${POD_PATHS.scriptsDir}}/envfile.sh"`],
    (keys) => `    omp_load_env "$omp_env_file" "${keys}" 2>/dev/null || exit 1\n`,
  );
}

/**
 * The health.sh text for any target: a `case` over the services with each one's check, after
 * `preamble`; `load` emits what makes the check's secret keys available (nothing when unset).
 */
export function renderHealthScript(stages: readonly Stage[], preamble: readonly string[], load?: (keys: string) => string, comment?: readonly string[]): string {
  const cases = stages.map(({ spec }) => {
    const keys = spec.health.envKeys.join(' ');
    const body = spec.health.script
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
    return `  ${spec.name})\n${keys && load ? load(keys) : ''}${body}\n    ;;`;
  });
  return [
    '# opencode-memory-pod health checks (generated). Usage: health.sh SERVICE',
    ...(comment ?? ["# Exit status 0 = healthy. Runs inside the service's own container with only that image's tools."]),
    ...preamble,
    'case ${1:-} in',
    ...cases,
    '  *)',
    '    echo "health.sh: unknown service: ${1:-}" >&2',
    '    exit 2',
    '    ;;',
    'esac',
    '',
  ].join('\n');
}
