#!/bin/bash
# The REAL OpenCode server image for the suite, made by the project's own `image build` from the
# pinned release binary (npm: opencode-linux-x64), fetched into the suite's npm cache (never into
# the project's node_modules). The base is a minimal Debian made with debootstrap and imported as
# localhost/omp-e2e/debian:bookworm-slim (no registry here); it lacks git, ripgrep, tini and
# busybox, so the Containerfile's apt-get step runs for real, from this machine's Debian mirror.
# Prints "timing: ..." lines for the build.
set -euo pipefail
. "$(dirname "$0")/env.sh"
e2e_setup_podman_conf
base_tar=$E2E_HOME/debian-bookworm-minbase.tar
base=localhost/omp-e2e/debian:bookworm-slim
if [ ! -s "$base_tar" ]; then
  root=$(mktemp -d "$E2E_HOME/minbase-root.XXXX")
  e2e_log "debootstrap bookworm minbase: the base of the OpenCode image (about a minute, once)"
  mirror=$(e2e_mirror) || e2e_die "no Debian mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$E2E_HOME/debootstrap-minbase.log" 2>&1 \
    || { tail -20 "$E2E_HOME/debootstrap-minbase.log" >&2; rm -rf "$root"; e2e_die "debootstrap minbase failed"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
  rm -rf "$root"
fi
podman image exists "$base" || podman import "$base_tar" "$base" >/dev/null 2>&1 || e2e_die "podman import $base"
build() { # WHAT LOG [image build ARG]...: the project's own image build, timed
  local what=$1 log=$2 t0
  shift 2
  t0=$(date +%s%3N)
  node "$E2E_REPO/build/cli.js" image build "$@" --npm-cache "$E2E_HOME/npm-cache" --base "$base" >"$log" 2>&1 \
    || { tail -30 "$log" >&2; e2e_die "opencode-memory-pod $what failed"; }
  grep '^opencode-memory-pod:' "$log" | sed 's/^/  /' >&2
  echo "timing [image] $what: $(awk -v m=$(( $(date +%s%3N) - t0 )) 'BEGIN {printf "%.1f", m/1000}')s ($(grep -q 'is already built' "$log" && echo 'already built' || echo 'built'))"
}
build 'image build' "$E2E_HOME/image-build.log"
# The next release, for day two's upgrade (day-two.sh): the same command with its version.
printf 'services:\n  opencode:\n    version: %s\n' "$E2E_OPENCODE_NEXT" >"$E2E_HOME/opencode-next.yaml"
build "image build of OpenCode $E2E_OPENCODE_NEXT" "$E2E_HOME/image-build-next.log" --config "$E2E_HOME/opencode-next.yaml"
# The README machine has no network: there, the default base (debian:bookworm-20261005-slim) is this base with
# the image's tools already in it (the same packages as the Containerfile's apt-get step).
if ! podman image exists localhost/omp-e2e/debian-tools:bookworm; then
  printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git ripgrep tini busybox util-linux && rm -rf /var/lib/apt/lists/*\n' "$base" \
    | podman build -t localhost/omp-e2e/debian-tools:bookworm -f - "$E2E_HOME" >"$E2E_HOME/build-debian-tools.log" 2>&1 \
    || { tail -20 "$E2E_HOME/build-debian-tools.log" >&2; e2e_die "building the tools base"; }
fi
