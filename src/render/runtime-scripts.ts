import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../lib/package-root';
import { PodModel, Stage } from '../model/pod-model';
import { POD_PATHS } from '../model/pod-paths';

/** The scripts every container mounts at POD_PATHS.scriptsDir, by file name. */
export function runtimeScripts(model: PodModel): Record<string, string> {
  return {
    'envfile.sh': envFileReader(),
    'health.sh': healthScript(model),
    'launch.sh': readFileSync(join(packageRoot(), 'runtime', 'launch.sh'), 'utf8'),
  };
}

/** runtime/envfile.sh: the one env-file reader, used in the containers and by split-env.sh. */
export function envFileReader(): string {
  return readFileSync(join(packageRoot(), 'runtime', 'envfile.sh'), 'utf8');
}

/**
 * health.sh [--live] SERVICE: the one health check per service.
 *
 * Without --live it asks "does the service answer what its dependents use?": the launcher's
 * poller runs it before telling dependents to start, and the systemd start gate runs it through
 * `podman exec`. With --live it is the liveness probe: a container whose launcher still waits for
 * its dependencies, or whose service has not yet passed its first check (within its start
 * timeout, after which the poller posts a failure), is alive; waiting must never look like
 * failing, so the probe needs no start period (podman 5.8 reports a container as not healthy
 * for the whole start period, 4.3.1 and 5.4.2 do not). Once the service has passed, --live runs
 * the same check.
 *
 * Every check is bounded with `timeout` (coreutils or busybox, in every image): the client of a
 * stopped or deadlocked server would otherwise wait forever. Probe argv has no spaces (podman
 * 4.3.1 joins and re-splits it). Secrets are read from the env file into the check's environment.
 */
export function healthScript(model: PodModel): string {
  const bounds = model.stages.map(({ spec }) => `    ${spec.name}) omp_bound=${healthBoundSeconds(spec.health.timeoutSeconds)} ;;`);
  return renderHealthScript(
    model.stages,
    [
      'set -u',
      `omp_state=\${OMP_STATE_DIR:-${POD_PATHS.stateDir}}`,
      'if [ "${1:-}" = --live ]; then',
      '  shift',
      "  # The launcher is still PID 1 while it waits for this service's dependencies: alive.",
      `  case " $(tr '\\0' ' ' </proc/1/cmdline 2>/dev/null) " in`,
      `    *' ${POD_PATHS.scriptsDir}/launch.sh '*) exit 0 ;;`,
      '  esac',
      '  # Started but never healthy within its timeout: not alive (the container is replaced).',
      '  [ -e "$omp_state/${1:-}/failed" ] && exit 1',
      '  # Started, first check not passed yet: still starting, alive.',
      '  [ -e "$omp_state/${1:-}/healthy" ] || exit 0',
      'fi',
      'if [ -z "${OMP_HEALTH_BOUNDED:-}" ] && command -v timeout >/dev/null 2>&1; then',
      '  case ${1:-} in',
      ...bounds,
      '    *) omp_bound=5 ;;',
      '  esac',
      '  OMP_HEALTH_BOUNDED=1 exec timeout -s KILL "$omp_bound" /bin/sh "$0" "$@"',
      'fi',
      `omp_env_file=\${OMP_ENV_FILE:-${POD_PATHS.envFile}}`,
      `. "\${OMP_DIR:-${POD_PATHS.scriptsDir}}/envfile.sh"`,
    ],
    (keys) => `    omp_load_env "$omp_env_file" "${keys}" 2>/dev/null || exit 1\n`,
    [
      "# Exit status 0 = healthy. Runs inside the service's own container with only that image's tools.",
      '# health.sh SERVICE: the service answers what its dependents use (start order, start gate).',
      '# health.sh --live SERVICE: liveness probe; waiting for dependencies or starting counts as alive.',
    ],
  );
}

/** Seconds a health check may run before it is killed: a second under the probe's own timeout. */
export function healthBoundSeconds(timeoutSeconds: number | undefined): number {
  return Math.max(2, (timeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS) - 1);
}

/** Probe timeout when a service sets none (podman's --health-timeout). */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 5;

/**
 * The health.sh text for any target: a `case` over the services with each one's check, after
 * `preamble`; `load` emits what makes the check's secret keys available (nothing when unset).
 */
export function renderHealthScript(
  stages: readonly Stage[],
  preamble: readonly string[],
  load?: (keys: string) => string,
  comment?: readonly string[],
): string {
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
