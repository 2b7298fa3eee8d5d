# Shared settings of the end-to-end suite. Sourced by the other scripts.
# The suite never touches the machine's podman configuration or storage: it points podman at its
# own containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF).
E2E_HOME=${E2E_HOME:-/var/tmp/opencode-memory-pod-e2e}
E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export CONTAINERS_CONF=$E2E_HOME/containers.conf
export CONTAINERS_STORAGE_CONF=$E2E_HOME/storage.conf
export PODMAN_IGNORE_CGROUPSV1_WARNING=1
# The OpenCode release after the default one with an x64 build (npm view opencode-linux-x64 versions):
# day two (day-two.sh) upgrades the pod to it and back. README's upgrade block names the same one.
E2E_OPENCODE_NEXT=1.19.5

# The Debian mirror this machine's apt uses (its sources' URIs: line), so no registry host is written here.
e2e_mirror() {
  local uri
  uri=$(grep -hiE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$uri" ] || { echo "no Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list" >&2; return 1; }
  echo "$uri"
}

e2e_log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
e2e_die() { e2e_log "FATAL: $*"; exit 1; }

# containers.conf for this machine's kind of kernel: the hard nofile limit is 20000 (podman's
# default ulimits fail), crun fails on its hybrid cgroups, no pids limit. `host` adds the file event
# logger (without systemd, init containers and cleanup misbehave otherwise).
e2e_containers_conf() { # host|machine
  cat <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
pids_limit = 0
CONF
  # Debian's podman 4.3.1 ships a CNI config but not the CNI plugins: pick netavark explicitly.
  [ "$1" = machine ] && printf '[network]\nnetwork_backend = "netavark"\n'
  printf '[engine]\nruntime = "runc"\n'
  [ "$1" = host ] && echo 'events_logger = "file"'
  return 0
}

e2e_setup_podman_conf() {
  mkdir -p "$E2E_HOME/storage" /run/opencode-memory-pod-e2e
  # Written to a temporary name and renamed: another run of the suite may be reading them.
  e2e_containers_conf host >"$CONTAINERS_CONF.$$" && mv -f "$CONTAINERS_CONF.$$" "$CONTAINERS_CONF"
  cat >"$CONTAINERS_STORAGE_CONF.$$" <<CONF
[storage]
driver = "overlay"
graphroot = "$E2E_HOME/storage"
runroot = "/run/opencode-memory-pod-e2e"
CONF
  mv -f "$CONTAINERS_STORAGE_CONF.$$" "$CONTAINERS_STORAGE_CONF"
}
