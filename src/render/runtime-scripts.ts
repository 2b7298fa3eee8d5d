import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { PodModel } from '../model/pod-model';
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
  const cases = model.stages.map(({ spec }) => {
    const keys = spec.health.envKeys.join(' ');
    const load = keys
      ? `    omp_load_env "$omp_env_file" "${keys}" 2>/dev/null || exit 1\n`
      : '';
    const body = spec.health.script
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
    return `  ${spec.name})\n${load}${body}\n    ;;`;
  });
  return [
    '# opencode-memory-pod health checks (generated). Usage: health.sh SERVICE',
    '# Exit status 0 = healthy. Runs inside the service\'s own container with only that image\'s tools.',
    'set -u',
    `omp_env_file=\${OMP_ENV_FILE:-${POD_PATHS.envFile}}`,
    `. "\${OMP_DIR:-${POD_PATHS.scriptsDir}}/envfile.sh"`,
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
