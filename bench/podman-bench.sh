#!/bin/bash
# Podman part of `npm run bench` (root): ordered start-up against the same pod with ordering off,
# recovery after kill -9, what the sequencing leaves resident, the real OpenCode's cold start and
# stop, and `image build` (cold, layer-cached, already built). Uses the e2e suite's stand-ins
# (STANDIN_READY_DELAY=1.0 s each), the real OpenCode image and private podman storage; prints
# KEY=VALUE lines.
set -uo pipefail
. "$(dirname "$0")/../test/e2e/lib/env.sh"
RUNS=${BENCH_PODMAN_RUNS:-3}
pod=opencode-memory-pod
services="valkey falkordb datadog opencode"
log() { echo "[bench] $*" >&2; }
for p in 6380 6379 3000 8126 4096; do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { log "127.0.0.1:$p in use: refusing"; exit 1; }; done
env_file=/run/secrets/opencode.env
for d in $env_file /persist/containers; do [ -e "$d" ] && { log "$d exists and is not ours: refusing"; exit 1; }; done
bash "$E2E_REPO/test/e2e/lib/build-standins.sh" >&2 || exit 1
bash "$E2E_REPO/test/e2e/lib/build-opencode.sh" >/dev/null || exit 1
work=$(mktemp -d)
created=("$work" "$env_file" /persist/containers)
cleanup() {
  for y in "$work"/*/pod.yaml; do podman pod stop -t 5 "$pod" >/dev/null 2>&1; podman kube down "$y" >/dev/null 2>&1; done
  [ -n "${svc_pid:-}" ] && kill "$svc_pid" 2>/dev/null
  [ -n "${svc_pid:-}" ] && rm -f /var/run/podman/podman.sock
  rm -rf "${created[@]}"
}
trap cleanup EXIT
mkdir -p /run/secrets /persist/containers
printf 'DD_API_KEY=bench\nOPENCODE_SERVER_PASSWORD=bench\n' >"$env_file"; chmod 600 "$env_file"
if [ ! -S /var/run/podman/podman.sock ]; then
  mkdir -p /var/run/podman; podman system service --time=0 unix:///var/run/podman/podman.sock >/dev/null 2>&1 & svc_pid=$!
  for i in $(seq 50); do [ -S /var/run/podman/podman.sock ] && break; sleep 0.1; done
fi
( cd "$work" && node "$E2E_REPO/build/cli.js" synth --out "$work/ordered" >/dev/null && printf 'ordering: false\n' >u.yaml \
  && node "$E2E_REPO/build/cli.js" synth --config u.yaml --out "$work/unordered" >/dev/null ) || exit 1

now_ms() { date +%s%3N; }
log_ms() { local ts; ts=$(podman logs -t "$pod-$1" 2>&1 | grep -m1 -- "$2" | cut -d' ' -f1); [ -n "$ts" ] && date -d "$ts" +%s%3N; }
serving_pattern() { [ "$1" = opencode ] && echo 'opencode server listening' || echo "standin-order: $1 serving"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
secs() { awk -v m="$1" 'BEGIN {printf "%.2f", m/1000}'; }

measure() { # VARIANT -> per run: "T_valkey T_falkordb T_datadog T_opencode links"
  local y=$work/$1/pod.yaml
  for r in $(seq "$RUNS"); do
    local t0; t0=$(now_ms)
    podman kube play "$y" >/dev/null 2>&1
    for i in $(seq 300); do podman logs "$pod-opencode" 2>&1 | grep -q 'opencode server listening' && break; sleep 0.1; done
    local line="" prev="" links=0
    for s in $services; do
      local t; t=$(log_ms "$s" "$(serving_pattern "$s")"); line="$line $((t - t0))"
      if [ -n "$prev" ]; then
        local ps st; ps=$(log_ms "$prev" "$(serving_pattern "$prev")"); st=$(log_ms "$s" 'opencode-memory-pod\[.*\]: starting:')
        links=$((links + st - ps))
      fi
      prev=$s
    done
    # The real OpenCode's own start: its launcher exec'ing it -> "listening".
    local oc; oc=$(( $(log_ms opencode 'opencode server listening') - $(log_ms opencode 'opencode-memory-pod\[.*\]: starting:') ))
    echo "$line $links $oc" >>"$work/$1.runs"
    if [ "$1" = ordered ] && [ "$r" = "$RUNS" ]; then footprint; recovery; fi
    if [ "$1" = ordered ]; then
      for i in $(seq 100); do podman exec "$pod-opencode" /bin/sh /opt/opencode-memory-pod/health.sh opencode >/dev/null 2>&1 && break; sleep 0.2; done
      # On tini's PID: podman may start the container again before its state reads "stopped".
      local t1 main; main=$(podman inspect --format '{{.State.Pid}}' "$pod-opencode"); t1=$(now_ms)
      podman kill --signal TERM "$pod-opencode" >/dev/null 2>&1
      while kill -0 "$main" 2>/dev/null && [ $(( $(now_ms) - t1 )) -lt 30000 ]; do sleep 0.02; done
      echo $(( $(now_ms) - t1 )) >>"$work/sigterm.runs"
      [ "$(podman inspect --format '{{.State.Running}}' "$pod-opencode")" = true ] || podman start "$pod-opencode" >/dev/null 2>&1
      for i in $(seq 150); do podman exec "$pod-opencode" /bin/sh /opt/opencode-memory-pod/health.sh opencode >/dev/null 2>&1 && break; sleep 0.2; done
    fi
    local t2; t2=$(now_ms)
    podman pod stop -t 20 "$pod" >/dev/null 2>&1; podman kube down "$y" >/dev/null 2>&1
    [ "$1" = ordered ] && echo $(( $(now_ms) - t2 )) >>"$work/stop.runs"
  done
}

footprint() { # launcher/poller processes left in each container once all are healthy
  for i in $(seq 100); do podman exec "$pod-opencode" /bin/sh /opt/opencode-memory-pod/health.sh opencode >/dev/null 2>&1 && break; sleep 0.1; done
  local alive=0 rss=0 defunct=0
  for s in $services; do
    local main ns; main=$(podman inspect --format '{{.State.Pid}}' "$pod-$s"); ns=$(readlink "/proc/$main/ns/pid")
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
      local state; state=$(awk '/^State:/ {print $2}' "$p/status" 2>/dev/null)
      if [ "$state" = Z ]; then defunct=$((defunct + 1)); continue; fi
      if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qE 'opencode-memory-pod/(launch|health)\.sh'; then
        alive=$((alive + 1)); rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "$p/status" 2>/dev/null || echo 0)))
      fi
    done
  done
  echo "footprint.launcher_processes_alive=$alive" 
  echo "footprint.launcher_rss_kb=$rss" 
  echo "footprint.defunct_entries=$defunct (0 bytes each)" 
}

recovery() {
  for s in $services; do
    local pid t0; pid=$(podman inspect --format '{{.State.Pid}}' "$pod-$s"); t0=$(now_ms)
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    # The service's own check, not `podman healthcheck run`: the liveness probe passes while a service starts.
    for i in $(seq 600); do podman exec "$pod-$s" /bin/sh /opt/opencode-memory-pod/health.sh "$s" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "recovery.kill9_${s}_s=$(secs $(( $(now_ms) - t0 )))" 
  done
}

for variant in ordered unordered; do
  log "measuring $variant ($RUNS runs)"
  : >"$work/$variant.runs"
  measure "$variant"
  col() { awk -v c="$1" '{print $c}' "$work/$variant.runs" | median; }
  for c in 1 2 3 4; do
    s=$(echo $services | cut -d' ' -f$c)
    echo "startup.$variant.play_to_${s}_serving_s=$(secs "$(col $c)")"
  done
  [ "$variant" = ordered ] && echo "startup.ordered.sequencing_links_s=$(secs "$(col 5)") (predecessor serving -> dependent exec, summed)"
done
echo "opencode.cold_start_in_pod_s=$(secs "$(awk '{print $6}' "$work/ordered.runs" | median)") (launcher exec -> listening, real OpenCode $(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' localhost/opencode-server:1.18.34))"
echo "opencode.sigterm_to_exit_s=$(secs "$(median <"$work/sigterm.runs")") (podman kill --signal TERM -> exited, behind tini)"
echo "stop.pod_stop_and_kube_down_s=$(secs "$(median <"$work/stop.runs")")"
ord=$(awk '{print $4}' "$work/ordered.runs" | median)
unord=$(awk '{print $4}' "$work/unordered.runs" | median)
# Same pod, ordering off: OpenCode serves after its own 1.0 s plus podman's and its own start-up.
# Subtracting that start-up from the ordered chain leaves what the sequencing adds.
# The ordered chain waits for three stand-ins' 1.0 s delays that the unordered pod overlaps.
echo "startup.ordered.overhead_vs_unordered_baseline_s=$(secs $(( ${ord%.*} - ${unord%.*} - 3000 )))"
oc=$(awk '{print $6}' "$work/ordered.runs" | median)
echo "startup.ordered.overhead_vs_sum_of_delays_s=$(secs $(( ${ord%.*} - 3000 - ${oc%.*} ))) (opencode serving - 3 x 1.0 s delays - OpenCode's own start; includes each stand-in's own process start)"

# image build: cold (a fresh npm cache and every layer again: the release from the registry npm is
# configured for, apt-get from the base's mirror), every layer cached (--force), and already built.
tag=localhost/opencode-server:1.18.34
base=localhost/omp-e2e/debian:bookworm-slim
ib() { local t0; t0=$(now_ms); node "$E2E_REPO/build/cli.js" image build --base "$base" "$@" >>"$work/image-build.log" 2>&1 || { log "image build $* failed"; tail -5 "$work/image-build.log" >&2; }; echo $(( $(now_ms) - t0 )); }
echo "image_build.cold_s=$(secs "$(ib --force --no-cache --npm-cache "$work/npm-cache")") (one run)"
for r in $(seq "$RUNS"); do ib --force --npm-cache "$E2E_HOME/npm-cache"; done | median >"$work/ib.cached"
echo "image_build.layers_cached_s=$(secs "$(cat "$work/ib.cached")") (--force, release in the npm cache; mostly the 185 MB COPY and the check run)"
for r in $(seq "$RUNS"); do ib --npm-cache "$E2E_HOME/npm-cache"; done | median >"$work/ib.noop"
echo "image_build.already_built_s=$(secs "$(cat "$work/ib.noop")")"
