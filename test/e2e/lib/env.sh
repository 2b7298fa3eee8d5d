# Shared settings of the end-to-end suite. Sourced by the other scripts.
# The suite never touches the machine's podman configuration or storage: it points podman at its
# own containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF).
E2E_HOME=${E2E_HOME:-/var/tmp/opencode-memory-pod-e2e}
E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export CONTAINERS_CONF=$E2E_HOME/containers.conf
export CONTAINERS_STORAGE_CONF=$E2E_HOME/storage.conf
export PODMAN_IGNORE_CGROUPSV1_WARNING=1

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
e2e_die() { e2e_log "FATAL: $*"; exit 1; }

e2e_setup_podman_conf() {
  mkdir -p "$E2E_HOME/storage" /run/opencode-memory-pod-e2e
  cat >"$CONTAINERS_CONF" <<CONF
[containers]
# the hard limit here is 20000; podman's default ulimits fail (setrlimit RLIMIT_NOFILE)
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
pids_limit = 0
[engine]
# without the file logger, init containers and cleanup misbehave without systemd
events_logger = "file"
# crun fails on this kernel's hybrid cgroups
runtime = "runc"
CONF
  cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$E2E_HOME/storage"
runroot = "/run/opencode-memory-pod-e2e"
CONF
}
