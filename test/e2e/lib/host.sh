#!/bin/bash
# The suite on this machine's podman (bare: no systemd here, so health checks run by hand).
# Uses the default paths of the generated pod; refuses to touch any that already exist.
set -uo pipefail
. "$(dirname "$0")/env.sh"
work=$1
label=host-4.3.1
env_file=/run/secrets/opencode.env
dirs="/persist/containers/valkey /persist/containers/falkordb /persist/containers/opencode"
for p in 6380 6379 3000 8126 4096 16380 16379 13000 18126 14096; do
  (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && e2e_die "127.0.0.1:$p is in use: refusing to run (another pod or test?)"
done
[ -e "$env_file" ] && e2e_die "$env_file exists and is not ours: refusing to run"
[ -e /run/opencode-memory-pod ] && e2e_die "/run/opencode-memory-pod exists and is not ours: refusing to run"
for d in $dirs; do [ -e "$d" ] && e2e_die "$d exists and is not ours: refusing to run"; done
podman pod exists opencode-memory-pod && e2e_die "a pod named opencode-memory-pod exists in the suite's storage"

created=()
cleanup() {
  podman kube down "$work/dist/pod.yaml" >/dev/null 2>&1
  podman kube down "$work/dist/fault/pod.yaml" >/dev/null 2>&1
  [ -n "${svc_pid:-}" ] && kill "$svc_pid" 2>/dev/null && wait "$svc_pid" 2>/dev/null
  for c in "${created[@]}"; do rm -rf "$c"; done
  rm -f /tmp/omp-e2e-pwned
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
[ -d /run/secrets ] || { mkdir -p /run/secrets; created+=(/run/secrets); }
[ -e /persist ] || created+=(/persist)
created+=(/run/opencode-memory-pod)   # split-env.sh writes the containers' env files there
install -m 0600 "$work/opencode.env" "$env_file"; created+=("$env_file")
for d in $dirs; do mkdir -p "$d"; created+=("$d"); done
[ -d /persist/containers ] && [ -z "$(ls -A /persist/containers | grep -vE '^(valkey|falkordb|opencode)$')" ] && created+=(/persist/containers)
created+=(/var/tmp/omp-e2e-fault)
# The Datadog Agent mounts the rootful podman socket; start podman's API service if none runs.
if [ ! -S /var/run/podman/podman.sock ]; then
  mkdir -p /var/run/podman
  podman system service --time=0 unix:///var/run/podman/podman.sock >/dev/null 2>&1 &
  svc_pid=$!
  created+=(/var/run/podman/podman.sock)
  for i in $(seq 50); do [ -S /var/run/podman/podman.sock ] && break; sleep 0.1; done
fi
E2E_LABEL=$label ENV_FILE=$env_file bash "$work/dist/suite.sh" bare "$work/dist"   # the copy: edits to the repo cannot reach a running suite
