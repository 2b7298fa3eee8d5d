#!/bin/bash
# npm run test:rules: the validator's podman rules against real podman. Every differential case
# (cases.ts) is played on podman 4.3.1 (Debian 12), 5.4.2 (Debian 13) and 5.8.x (Debian testing),
# each in a booted test machine of the e2e suite (private network, nothing on this host's ports),
# and what podman did is compared with what the validator says for that version. Then report.ts
# compares the verdicts with observations.json, from which the README's rule table is made.
# Needs root. RULES_VERSIONS picks machines ("bookworm trixie forky"); RULES_ONLY=rule,... some rules;
# RULES_WRITE=1 writes observations.json and the README table from this run instead of comparing.
set -uo pipefail
cd "$(dirname "$0")"
. ../e2e/lib/env.sh
[ "$(id -u)" = 0 ] || e2e_die "run as root (podman, debootstrap, systemd-nspawn)"
suites=${RULES_VERSIONS:-bookworm trixie forky}
for s in $suites; do
  case $s in bookworm | trixie | forky) ;; *) e2e_die "RULES_VERSIONS: unknown machine \"$s\" (bookworm = podman 4.3.1, trixie = 5.4.2, forky = 5.8.x)" ;; esac
done
need=()
for pkg_cmd in podman:podman runc:runc debootstrap:debootstrap systemd-container:systemd-nspawn; do
  command -v "${pkg_cmd#*:}" >/dev/null || need+=("${pkg_cmd%%:*}")
done
if [ ${#need[@]} -gt 0 ]; then
  e2e_log "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"$E2E_HOME/apt.log" 2>&1 || e2e_die "apt-get install ${need[*]} failed"
fi
[ -x "$E2E_REPO/node_modules/.bin/tsx" ] || e2e_die "tsx is missing: run npm ci first"
mkdir -p "$E2E_HOME"
e2e_setup_podman_conf
work=$(mktemp -d "$E2E_HOME/rules.XXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# The cases' image: the e2e base (built once, cached) plus two probe helpers.
E2E_BASE_ONLY=1 bash ../e2e/lib/build-standins.sh || e2e_die "the base image"
sum=$( (find image -type f -printf '%m %p\n' | sort; cat image/*; podman image inspect --format '{{.Id}}' localhost/omp-e2e/base:bookworm) | sha256sum | cut -c1-16)
if [ "$(podman image inspect --format '{{index .Labels "omp-rules-sum"}}' localhost/omp-rules/tools:1 2>/dev/null)" != "$sum" ]; then
  e2e_log "building localhost/omp-rules/tools:1"
  podman build --network none --label "omp-rules-sum=$sum" -t localhost/omp-rules/tools:1 image >"$E2E_HOME/build-rules.log" 2>&1 \
    || { tail -20 "$E2E_HOME/build-rules.log" >&2; e2e_die "building the rules image failed"; }
fi
podman save -m --format docker-archive -o "$work/rules-images.tar" localhost/omp-rules/tools:1 >/dev/null 2>&1 || e2e_die "podman save"

# Machines (cached by the e2e suite too), then one per version, side by side: the cases mostly wait.
# machine.sh itself is what runs in the background (no subshell between), so the cleanup's TERM
# reaches it and it powers its machine off.
for s in $suites; do bash ../e2e/lib/machine.sh "$work" "$s" build & pids+=($!); done
built=0
for p in "${pids[@]}"; do wait "$p" || built=1; done
pids=()
[ "$built" = 0 ] || e2e_die "building a machine failed"
t0=$(date +%s)
for s in $suites; do
  bash ../e2e/lib/machine.sh "$work" "$s" rules >"$work/rules-$s.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
rc=0
for s in $suites; do
  cat "$work/rules-$s.log"
  if [ ! -s "$work/rules-$s.json" ]; then
    echo "rules [$s]: no results (the machine did not run the cases; log above)"; rc=1
  fi
done
e2e_log "cases played in $(( $(date +%s) - t0 )) s"
results=()
for s in $suites; do [ -s "$work/rules-$s.json" ] && results+=("$work/rules-$s.json"); done
[ ${#results[@]} -gt 0 ] || exit 1
"$E2E_REPO/node_modules/.bin/tsx" report.ts ${RULES_WRITE:+--write} "${results[@]}" || rc=1
exit $rc
