#!/bin/bash
# Builds the stand-in images (see ../standins/README.md) into the suite's private storage, from
# Debian packages only: a minbase bookworm root made once with debootstrap, then one small
# `podman build --network none` per image. Reuses images already built from the same sources.
set -euo pipefail
. "$(dirname "$0")/env.sh"
e2e_setup_podman_conf

packages=redis-tools,busybox,python3,s6,execline
# The tarball's name carries the package list, so a changed list builds a new base.
base_tar=$E2E_HOME/base-bookworm-$(echo "$packages" | sha256sum | cut -c1-8).tar
base_image=localhost/omp-e2e/base:bookworm-$(echo "$packages" | sha256sum | cut -c1-8)
if [ ! -s "$base_tar" ]; then
  command -v debootstrap >/dev/null || e2e_die "debootstrap is missing (apt-get install debootstrap)"
  root=$(mktemp -d "$E2E_HOME/base-root.XXXX")
  e2e_log "debootstrap bookworm minbase + $packages (about 30 s)"
  mirror=$(e2e_mirror) || e2e_die "no Debian mirror"
  debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$E2E_HOME/debootstrap.log" 2>&1 \
    || { tail -20 "$E2E_HOME/debootstrap.log" >&2; e2e_die "debootstrap failed"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
  rm -rf "$root"
fi
if ! podman image exists "$base_image"; then
  e2e_log "importing the base image"
  podman import "$base_tar" "$base_image" >/dev/null 2>&1
  podman tag "$base_image" localhost/omp-e2e/base:bookworm
fi

# E2E_BASE_ONLY=1: only the base (the rules suite builds its own image on it).
[ "${E2E_BASE_ONLY:-}" = 1 ] && exit 0

standins=$E2E_REPO/test/e2e/standins
declare -A tags=(
  [valkey]=docker.io/valkey/valkey:7.2.14
  [falkordb]=docker.io/falkordb/falkordb:v4.20.4
  [datadog]=gcr.io/datadoghq/agent:7.84.6
)
# OpenCode is not a stand-in: build-opencode.sh makes the real image with `image build`.
for name in valkey falkordb datadog; do
  tag=${tags[$name]}
  # Rebuild only when the stand-in's sources changed (label carries their hash).
  sum=$( (cd "$standins/$name" && find . -type f -printf '%m %p\n' | sort && find . -type f | sort | xargs cat; cat "$standins/standin-order.sh"; echo "$base_image") | sha256sum | cut -c1-16)
  if [ "$(podman image inspect --format '{{index .Labels "omp-standin-sum"}}' "$tag" 2>/dev/null || true)" = "$sum" ]; then
    continue
  fi
  ctx=$(mktemp -d)
  cp -a "$standins/$name"/. "$ctx"/
  cp "$standins/standin-order.sh" "$ctx"/
  e2e_log "building stand-in $tag"
  podman build --network none --label "omp-standin-sum=$sum" -t "$tag" -f "$ctx/Containerfile" "$ctx" >"$E2E_HOME/build-$name.log" 2>&1 \
    || { tail -20 "$E2E_HOME/build-$name.log" >&2; rm -rf "$ctx"; e2e_die "building $tag failed"; }
  rm -rf "$ctx"
done

# PostgreSQL, the declared service of declared.sh (issue 22): real software, Debian bookworm's
# postgresql-15, in an image with the official one's contract (../standins/postgres). apt on this
# machine (Debian 12, as CI) downloads the package and exactly what the base lacks of its
# dependencies (apt reads the base's own dpkg status); the build installs them without network.
# Rebuilt only when its sources, the package list or the base change (label), like the stand-ins.
pg_tag=docker.io/library/postgres:15-bookworm
pg_packages=postgresql-15
sum=$( (cd "$standins/postgres" && find . -type f -printf '%m %p\n' | sort && find . -type f | sort | xargs cat; echo "$base_image $pg_packages") | sha256sum | cut -c1-16)
if [ "$(podman image inspect --format '{{index .Labels "omp-standin-sum"}}' "$pg_tag" 2>/dev/null || true)" != "$sum" ]; then
  ctx=$(mktemp -d)
  cp -a "$standins/postgres"/. "$ctx"/
  mkdir -p "$ctx/debs" "$ctx/apt/partial" "$ctx/state"
  tar -C "$ctx/state" -xf "$base_tar" ./var/lib/dpkg/status || { rm -rf "$ctx"; e2e_die "no dpkg status in $base_tar"; }
  e2e_log "building $pg_tag from Debian's $pg_packages (about a minute, once)"
  apt-get -qq --download-only --no-install-recommends -o Dir::State::status="$ctx/state/var/lib/dpkg/status" \
    -o Dir::State::extended_states="$ctx/state/extended_states" -o Dir::Cache::archives="$ctx/apt" install $pg_packages >"$E2E_HOME/build-postgres.log" 2>&1 \
    && mv "$ctx/apt"/*.deb "$ctx/debs/" \
    || { tail -20 "$E2E_HOME/build-postgres.log" >&2; rm -rf "$ctx"; e2e_die "apt-get could not download $pg_packages (this machine's apt must be Debian 12's, updated)"; }
  rm -rf "$ctx/apt" "$ctx/state"
  podman build --network none --label "omp-standin-sum=$sum" -t "$pg_tag" -f "$ctx/Containerfile" "$ctx" >>"$E2E_HOME/build-postgres.log" 2>&1 \
    || { tail -20 "$E2E_HOME/build-postgres.log" >&2; rm -rf "$ctx"; e2e_die "building $pg_tag failed"; }
  rm -rf "$ctx"
fi
e2e_log "stand-in images ready"
