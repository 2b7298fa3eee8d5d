/** Where the pod's own runtime pieces appear inside every container. */
export const POD_PATHS = {
  /** Launcher, env-file reader and health checks (a ConfigMap volume, read-only). */
  scriptsDir: '/opt/opencode-memory-pod',
  /** This container's own env file (hostContainerEnvFile), mounted read-only (hostPath File). */
  envFile: '/run/opencode-memory-pod/opencode.env',
  /**
   * Health markers and locks, one folder per service (serviceStateDir), each its own emptyDir:
   * read-write in its own container, read-only in those that wait for it. They survive
   * `podman pod restart`, and so does /dev/shm on podman 4.3.1 (observed): a marker counts only
   * while its container's processes hold the lock the launcher took (see launch.sh).
   */
  stateDir: '/run/opencode-memory-pod/state',
} as const;

/** One service's markers (healthy, failed) and lock, in every container that mounts them. */
export function serviceStateDir(service: string): string {
  return `${POD_PATHS.stateDir}/${service}`;
}

/** argv that runs a service's health check; no element has a space (podman 4.3.1 joins and re-splits probe argv). */
export function healthCommand(service: string): string[] {
  return ['/bin/sh', `${POD_PATHS.scriptsDir}/health.sh`, service];
}

/** argv of the liveness probe: waiting for dependencies or starting counts as alive. */
export function livenessCommand(service: string): string[] {
  return ['/bin/sh', `${POD_PATHS.scriptsDir}/health.sh`, '--live', service];
}

/**
 * Host directory (on /run, a tmpfs: nothing survives a reboot) holding one env file per container,
 * written from the host env file by split-env.sh before the pod starts. Root-only (0700); each
 * container mounts only its own file, at POD_PATHS.envFile.
 */
export function hostSecretsDir(podName: string): string {
  return `/run/opencode-memory-pod/${podName}`;
}

/** The env file one container mounts: only the keys its service receives. */
export function hostContainerEnvFile(podName: string, service: string): string {
  return `${hostSecretsDir(podName)}/${service}.env`;
}
