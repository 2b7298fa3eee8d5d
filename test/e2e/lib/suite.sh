#!/bin/bash
# The end-to-end checks, run where podman runs: on this machine (podman 4.3.1) or inside a booted
# systemd container (podman 4.3.1 or 5.x). Usage: suite.sh bare|systemd DIR
#   DIR holds pod.yaml (the generated dist/, unchanged), markers (secret marker values, one a line),
#   fault/pod.yaml (a variant whose Valkey never becomes healthy) and, for systemd, the installed units.
# Prints one line per check ("ok"/"FAIL"), timings as "timing: ...", and a last line
# "e2e-<label>: N passed, N failed". Removes only what it created.
set -u
mode=$1
dir=$2
label=${E2E_LABEL:-$mode}
pod=opencode-memory-pod
services="valkey falkordb datadog opencode"
yaml=${E2E_YAML:-$dir/pod.yaml}
unit=${E2E_UNIT:-}
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   [$label] $*"; }
fail() { failed=$((failed + 1)); echo "FAIL [$label] $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi; }
now_ms() { date +%s%3N; }
secs() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }
timing() { echo "timing [$label] $*"; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
all_ports_open() { for p in 6380 6379 3000 8126 4096; do port_open 127.0.0.1 "$p" || return 1; done; }
healthy() { podman healthcheck run "$pod-$1" >/dev/null 2>&1; }
all_healthy() { for s in $services; do healthy "$s" || return 1; done; }
wait_for() { # SECONDS CMD...: poll until CMD succeeds
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@"; do [ "$(now_ms)" -ge "$deadline" ] && return 1; sleep 0.1; done
}
# Runs a redis command inside a store's container, with the password from the env file read the
# way the pod reads it (no value on any command line).
store_cmd() { # SERVICE CLI PORT KEY ARGS...
  local svc=$1 cli=$2 port=$3 key=$4; shift 4
  podman exec "$pod-$svc" sh -c '. /opt/opencode-memory-pod/envfile.sh; omp_load_env /run/opencode-memory-pod/opencode.env "$1" 2>/dev/null; eval "pw=\${$1:-}"; [ -n "$pw" ] && export REDISCLI_AUTH="$pw"; shift; exec "$@"' \
    sh "$key" "$cli" -h 127.0.0.1 -p "$port" "$@"
}
start_pod() {
  if [ "$mode" = systemd ]; then systemctl start "$unit"; else podman kube play "$yaml" >/dev/null 2>&1; fi
}
stop_pod() { # the documented way: podman 4.3.1's kube down alone kills without a grace period
  if [ "$mode" = systemd ]; then systemctl stop "$unit"; else podman pod stop --ignore --time 20 "$pod" >/dev/null 2>&1; podman kube down "$yaml" >/dev/null 2>&1; fi
}
restart_counts() { for s in $services; do podman inspect --format '{{.RestartCount}}' "$pod-$s" 2>/dev/null; done | tr '\n' ' '; }

# ---------------------------------------------------------------- 1. up, ports, localhost
t0=$(now_ms)
if [ "$mode" = systemd ]; then
  systemctl enable --now "$unit" >/dev/null 2>&1 && ok "systemctl enable --now $unit" || { fail "systemctl enable --now $unit"; systemctl status "$unit" --no-pager | tail -20; }
else
  podman kube play "$yaml" >/dev/null 2>&1 && ok "podman kube play" || fail "podman kube play"
fi
wait_for 60 all_ports_open; t_ports=$(( $(now_ms) - t0 ))
wait_for 90 all_healthy; t_healthy=$(( $(now_ms) - t0 ))
timing "start -> all ports answer: $(secs $t_ports)s; start -> all healthy: $(secs $t_healthy)s"
running=$(podman ps --filter "pod=$pod" --format '{{.Names}}' | grep -c "^$pod-")
[ "$running" = 4 ] && ok "pod $pod runs its 4 containers" || fail "pod $pod runs $running containers, expected 4"
for p in 6380 6379 3000 8126 4096; do check "host port 127.0.0.1:$p answers" port_open 127.0.0.1 "$p"; done
bound=$(ss -ltnH 2>/dev/null | awk '{print $4}' | grep -E ':(6380|6379|3000|8126|4096)$' | grep -vc '^127\.0\.0\.1:')
[ "$bound" = 0 ] && ok "every published port is bound to 127.0.0.1 only" || fail "$bound published ports bound beyond 127.0.0.1"
check "containers reach each other over localhost (FalkorDB container -> Valkey)" \
  sh -c "podman exec $pod-falkordb redis-cli -h 127.0.0.1 -p 6380 ping | grep -qE 'PONG|NOAUTH'"

# ---------------------------------------------------------------- 2. order
for s in falkordb datadog opencode; do
  line=$(podman logs "$pod-$s" 2>&1 | grep 'standin-order:' | head -1)
  case $line in
    *' was serving') ok "order: $s started serving after its predecessor (${line#*; })" ;;
    *) fail "order: $s: ${line:-no order record}" ;;
  esac
done

# Ordering overhead, from the containers' own timestamped logs: for each link of the chain, the
# time from the predecessor serving (its stand-in's order record, printed as it execs the server) to
# the dependent's launcher exec'ing its entrypoint, minus nothing: that is what the sequencing adds.
log_ms() { # CONTAINER PATTERN -> epoch ms of the first matching log line
  local ts
  ts=$(podman logs -t "$pod-$1" 2>&1 | grep -m1 -- "$2" | cut -d' ' -f1)
  [ -n "$ts" ] && date -d "$ts" +%s%3N
}
overhead=0 detail=
prev=
for s in $services; do
  if [ -n "$prev" ]; then
    served=$(log_ms "$prev" "standin-order: $prev serving")
    started=$(log_ms "$s" 'opencode-memory-pod\[.*\]: starting:')
    if [ -n "$served" ] && [ -n "$started" ]; then
      d=$((started - served)); overhead=$((overhead + d)); detail="$detail $prev->$s $(secs $d)s"
    fi
  fi
  prev=$s
done
timing "ordering overhead (predecessor serving -> dependent exec, summed over the chain): $(secs $overhead)s:$detail"

# ---------------------------------------------------------------- 3. health, no restarts
for s in $services; do check "health check of $s passes" healthy "$s"; done
before=$(restart_counts)
for i in 1 2 3 4 5 6; do sleep 5; [ "$mode" = bare ] && all_healthy; done
after=$(restart_counts)
[ "$before" = "$after" ] && ok "no container restarted during a 30 s watch (restart counts $after)" || fail "restarts during the watch: $before -> $after"
if [ "$mode" = systemd ]; then
  check "systemd runs the health checks by itself (a healthcheck timer/unit exists)" sh -c "systemctl list-units --all --no-legend | grep -qE '[0-9a-f]{64}.*\.(timer|service)'"
fi

# ---------------------------------------------------------------- 4. secrets
leak=0
grep -rqF -f "$dir/markers" "$dir"/pod.yaml "$dir"/fault 2>/dev/null && { leak=1; fail "a secret marker is in the generated files"; }
[ $leak = 0 ] && ok "no secret marker in the generated files"
podman inspect "$pod" $(for s in $services; do echo "$pod-$s"; done) 2>/dev/null | grep -qF -f "$dir/markers" \
  && fail "a secret marker is in podman inspect" || ok "no secret marker in podman inspect (pod and containers)"
hits=$(for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -f "$dir/markers" && echo "$f"; done)
[ -z "$hits" ] && ok "no secret marker in any /proc/*/cmdline" || fail "secret marker in $hits"
if [ "$mode" = systemd ]; then
  journalctl --no-pager -o cat 2>/dev/null | grep -qF -f "$dir/markers" && fail "a secret marker is in the journal" || ok "no secret marker in the journal"
fi
[ ! -e /tmp/omp-e2e-pwned ] && ok "env-file line X=\$(touch /tmp/omp-e2e-pwned) ran nothing" || fail "/tmp/omp-e2e-pwned exists: the env file was executed"
check "OpenCode's authenticated health check passes (password from the env file)" healthy opencode
check "OpenCode rejects requests without the password (401)" sh -c "podman exec $pod-opencode sh -c 'printf \"GET /global/health HTTP/1.0\r\n\r\n\" | nc -w 3 127.0.0.1 4096' | grep -q ' 401 '"
check "Valkey requires VALKEY_PASSWORD" sh -c "podman exec $pod-valkey valkey-cli -p 6380 ping | grep -q NOAUTH"
check "FalkorDB requires FALKORDB_PASSWORD" sh -c "podman exec $pod-falkordb redis-cli -p 6379 ping | grep -q NOAUTH"

# ---------------------------------------------------------------- 5. persistence
stamp=$(date +%s%N)
store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD set omp-e2e-key "$stamp" >/dev/null
store_cmd falkordb redis-cli 6379 FALKORDB_PASSWORD set omp-e2e-key "$stamp" >/dev/null
starts_before=$(podman exec "$pod-opencode" sh -c 'wc -l < /root/.local/share/opencode/standin-starts.log')
t0=$(now_ms)
if [ "$mode" = systemd ]; then systemctl restart "$unit"; else stop_pod; start_pod; fi
wait_for 90 all_healthy; t_restart=$(( $(now_ms) - t0 ))
timing "restart ($( [ "$mode" = systemd ] && echo 'systemctl restart' || echo 'kube down + play')) -> all healthy: $(secs $t_restart)s"
[ "$(store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD get omp-e2e-key)" = "$stamp" ] && ok "Valkey key survived the restart" || fail "Valkey key lost"
[ "$(store_cmd falkordb redis-cli 6379 FALKORDB_PASSWORD get omp-e2e-key)" = "$stamp" ] && ok "FalkorDB key survived the restart" || fail "FalkorDB key lost"
starts_after=$(podman exec "$pod-opencode" sh -c 'wc -l < /root/.local/share/opencode/standin-starts.log')
[ "${starts_after:-0}" -gt "${starts_before:-0}" ] 2>/dev/null && ok "OpenCode's data file survived ($starts_before -> $starts_after lines)" || fail "OpenCode data: $starts_before -> $starts_after"

if [ "$mode" = bare ]; then
  # Not a check: what plain `podman kube down` (no graceful stop first) does to unsaved writes here.
  store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD set omp-e2e-plain "$stamp" >/dev/null
  podman kube down "$yaml" >/dev/null 2>&1; start_pod; wait_for 90 all_healthy
  if [ "$(store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD get omp-e2e-plain)" = "$stamp" ]; then
    echo "note [$label] plain podman kube down kept an unsaved Valkey write (graceful stop)"
  else
    echo "note [$label] plain podman kube down LOST an unsaved Valkey write (no grace period): stop with podman pod stop first"
  fi
fi

# ---------------------------------------------------------------- 6. recovery
for s in $services; do
  pid=$(podman inspect --format '{{.State.Pid}}' "$pod-$s")
  t0=$(now_ms)
  kill -9 "$pid"
  gone() { ! kill -0 "$pid" 2>/dev/null; }
  wait_for 10 gone
  if wait_for 60 healthy "$s"; then
    ok "kill -9 of $s's main process: healthy again after $(secs $(( $(now_ms) - t0 )))s"
  else
    fail "kill -9 of $s's main process: not healthy again within 60 s ($(podman ps -a --filter name=$pod-$s --format '{{.Status}}'))"
  fi
done
if [ "$mode" = systemd ]; then
  main=$(systemctl show -p MainPID --value "$unit")
  main_replaced() { [ "$(systemctl show -p MainPID --value "$unit")" != "$main" ]; }
  unit_back() { [ "$(systemctl is-active "$unit")" = active ] && all_healthy; }
  t0=$(now_ms)
  kill -9 "$main"
  wait_for 30 main_replaced
  if wait_for 180 unit_back; then
    ok "kill -9 of the unit's main PID ($main): systemd restarted the pod, healthy after $(secs $(( $(now_ms) - t0 )))s"
  else
    fail "kill -9 of the unit's main PID: not back within 180 s ($(systemctl is-active "$unit"))"
  fi
  [ "$(store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD get omp-e2e-key)" = "$stamp" ] && ok "data kept across the unit restart" || fail "data lost across the unit restart"
fi

# ---------------------------------------------------------------- 7. faults
stop_pod
left=$(podman ps -a --filter "pod=$pod" --format '{{.Names}}' | wc -l)
[ "$left" = 0 ] && ! podman pod exists "$pod" && ok "stop removes the pod and leaves no containers" || fail "after stop: $left containers left"
[ "$mode" = systemd ] && systemctl disable "$unit" >/dev/null 2>&1

fault_yaml=$dir/fault/pod.yaml
fpod=omp-e2e-fault
t0=$(now_ms)
if [ "$mode" = systemd ]; then
  systemctl start "$FAULT_UNIT" >/dev/null 2>&1 && fault_rc=0 || fault_rc=$?
  t_fail=$(( $(now_ms) - t0 ))
  [ "$fault_rc" != 0 ] && ok "a never-healthy Valkey fails the unit start: systemctl start returned after $(secs $t_fail)s, stop included (TimeoutStartSec=$(systemctl show -p TimeoutStartUSec --value "$FAULT_UNIT"))" || fail "the unit started although Valkey never became healthy"
  journalctl -u "$FAULT_UNIT" --no-pager -o cat | grep -q "is not healthy after" && ok "the journal says which container was not healthy" || fail "no reason in the journal"
else
  podman kube play "$fault_yaml" >/dev/null 2>&1
  gave_up() { podman logs "$fpod-falkordb" 2>&1 | grep -qE 'valkey (failed to become healthy|is not healthy after)'; }
  wait_for 30 gave_up
  t_fail=$(( $(now_ms) - t0 ))
fi
logs=$(podman logs "$fpod-falkordb" 2>&1)
echo "$logs" | grep -q 'waiting for valkey to become healthy' && ok "the dependent logs what it waits for" || fail "no 'waiting for valkey' in FalkorDB's log"
echo "$logs" | grep -qE 'valkey (failed to become healthy .*|is not healthy after [0-9]+s); not starting falkordb' && ok "the dependent gives up within the timeout and says why ($(secs $t_fail)s)" || fail "FalkorDB did not give up: $(echo "$logs" | tail -2)"
echo "$logs" | grep -q 'standin-order: falkordb serving' && fail "FalkorDB started although Valkey never became healthy" || ok "FalkorDB never started serving"
for s in datadog opencode; do
  podman logs "$fpod-$s" 2>&1 | grep -q "standin-order: $s serving" && fail "$s started although its chain is not healthy" || ok "$s never started serving"
done
if [ "$mode" = systemd ]; then systemctl stop "$FAULT_UNIT" >/dev/null 2>&1; else podman kube down "$fault_yaml" >/dev/null 2>&1; fi

# missing env file
mv "$ENV_FILE" "$ENV_FILE.away"
if [ "$mode" = systemd ]; then
  systemctl start "$unit" >/dev/null 2>&1 && fail "the unit started without the env file" || ok "a missing env file fails the start"
  journalctl -u "$unit" --no-pager -o cat | grep -q "env file $ENV_FILE is missing or unreadable" && ok "the journal names the missing env file" || fail "no clear message about the env file"
  systemctl stop "$unit" >/dev/null 2>&1; systemctl reset-failed "$unit" >/dev/null 2>&1
else
  out=$(podman kube play "$yaml" 2>&1) && fail "kube play started without the env file" || ok "a missing env file fails kube play"
  echo "$out" | grep -q "$ENV_FILE" && ok "podman's error names the env file ($(echo "$out" | grep "$ENV_FILE" | head -1 | cut -c1-120))" || fail "podman's error does not name the env file: $out"
  podman kube down "$yaml" >/dev/null 2>&1
fi
mv "$ENV_FILE.away" "$ENV_FILE"
[ -z "$(podman ps -a --filter "pod=$pod" --format '{{.Names}}')" ] && ok "no containers left after the failed start" || fail "containers left after the failed start"

# ---------------------------------------------------------------- Quadlet (podman 4.4+)
gen=/usr/lib/systemd/system-generators/podman-system-generator
if [ "$mode" = systemd ] && [ -x "$gen" ]; then
  qdir=$(mktemp -d)
  mkdir -p "$qdir/in" "$qdir/out"
  cp "$dir/quadlet/opencode-memory-pod.kube" "$qdir/in/"
  if QUADLET_UNIT_DIRS="$qdir/in" "$gen" "$qdir/out" >"$qdir/gen.log" 2>&1 && [ -f "$qdir/out/opencode-memory-pod.service" ]; then
    ok "Quadlet turns opencode-memory-pod.kube into opencode-memory-pod.service"
    grep -q '^ExecStart=.*kube play.*/etc/opencode-memory-pod/pod.yaml' "$qdir/out/opencode-memory-pod.service" && grep -q '^ExecStartPost=/bin/sh /etc/opencode-memory-pod/wait-healthy.sh' "$qdir/out/opencode-memory-pod.service" \
      && ok "the generated service plays pod.yaml and keeps our health gate" || fail "generated service lacks ExecStart or ExecStartPost: $(grep -E '^Exec' "$qdir/out/opencode-memory-pod.service")"
    v=$(SYSTEMD_UNIT_PATH="$qdir/out:" systemd-analyze verify --man=no "$qdir/out/opencode-memory-pod.service" 2>&1)
    [ -z "$v" ] && ok "systemd-analyze verify of the Quadlet-generated unit prints nothing" || fail "systemd-analyze verify: $v"
  else
    fail "Quadlet rejected opencode-memory-pod.kube: $(cat "$qdir/gen.log")"
  fi
  rm -rf "$qdir"
fi

# ---------------------------------------------------------------- 9. cycles
cycles_ok=0
for i in $(seq 1 "${E2E_CYCLES:-10}"); do
  t0=$(now_ms)
  if start_pod && wait_for 60 all_healthy; then cycles_ok=$((cycles_ok + 1)); printf 'cycle %d healthy after %ss\n' "$i" "$(secs $(( $(now_ms) - t0 )))"; else echo "cycle $i FAILED"; fi
  stop_pod
done
[ "$cycles_ok" = "${E2E_CYCLES:-10}" ] && ok "$cycles_ok consecutive start/stop cycles, all healthy" || fail "only $cycles_ok of ${E2E_CYCLES:-10} cycles came up healthy"

echo "e2e-$label: $passed passed, $failed failed"
[ "$failed" = 0 ]
