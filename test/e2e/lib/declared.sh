#!/bin/bash
# A declared service (issue 22), inside a booted systemd machine after day two (machine.sh: day two's
# last block uninstalled the pod, its data and the env file kept). README.md's "Services of your own"
# as written: its configuration block (PostgreSQL beside the stack, OpenCode after it) is the
# configuration file (with `memoryLimits: false`: these machines have no memory controller), and the
# block after it (the password into the env file, synth, install, enable, doctor) runs as written.
# The server is real PostgreSQL (Debian's postgresql-15, build-standins.sh). Then, each an ok/FAIL
# line with its time:
#   1 order: OpenCode's launcher waited for postgres healthy (its own log lines and their times);
#   2 secrets: postgres's env file holds only its key, it can read no other service's, no other
#     container receives its key, and its password is in no argv, podman inspect, journal or file
#     we generated (the control: the password logs in, a wrong one does not);
#   3 data: a row written before a restart of the unit is read after it;
#   4 a crash: kill -9 of the postmaster, restarted and serving again (the row kept);
#   5 a hang: SIGSTOP of the postmaster (its port still accepts: a plain tcp probe would not see it),
#     replaced by the pod's watchdog (its send probe: an SSLRequest needs a reply) and serving again.
# Usage: declared.sh DIR (DIR: README.md, markers.tsv; the CLI in /opt/omp-cli). E2E_BREAK_DECLARED: a
# sed expression applied to README's configuration block, to watch a check fail. Prints ok/FAIL,
# "timing [...]" and "note [...]" lines, and last "e2e-<label>-declared: N passed, N failed".
set -u
dir=$1
label=${E2E_LABEL:-systemd}-declared
unit=$E2E_UNIT
cli=/opt/omp-cli
pod=opencode-memory-pod
services="valkey falkordb datadog postgres opencode"
. "$(dirname "$0")/checks.sh"
# SQL through psql inside postgres's container, over TCP with the password (scram-sha-256), as a
# client would: the password from the container's own env file into PGPASSWORD, never into argv
# (the server's own psql, not Debian's pg_wrapper in /usr/bin, which may warn about clusters).
pg() { # SQL [PASSWORD: another one than the env file's, to see it refused]
  timeout 20 podman exec "$pod-postgres" sh -c '. /opt/opencode-memory-pod/envfile.sh
    omp_load_env /run/opencode-memory-pod/opencode.env POSTGRES_PASSWORD 2>/dev/null
    [ -n "$2" ] && POSTGRES_PASSWORD=$2
    PGPASSWORD=$POSTGRES_PASSWORD PGCONNECT_TIMEOUT=5 exec /usr/lib/postgresql/15/bin/psql -X -q -tA -h 127.0.0.1 -U postgres -d postgres -c "$1"' sh "$1" "${2:-}" 2>&1
}
serving() { [ "$(pg 'select 1')" = 1 ]; }
# The time of the last line of a container's log that holds TEXT, in ms (podman logs -t).
log_ms() { # CONTAINER TEXT
  local t
  t=$(podman logs -t "$1" 2>&1 | grep -F -- "$2" | tail -1 | awk '{print $1}')
  [ -n "$t" ] && date -d "$t" +%s%3N
}
launcher_lines() { podman logs "$pod-$1" 2>&1 | grep -F "opencode-memory-pod[$1]: "; }

t_all=$(now_ms)
# The keys of the suite's env file with plain values, as day two leaves it (E2E_ONLY_DECLARED skips
# day two; doctor rightly reports the hostile file's reserved keys as problems).
cut -f1,2 --output-delimiter== "$dir/markers.tsv" >"$ENV_FILE.declared" && chmod 600 "$ENV_FILE.declared" && mv "$ENV_FILE.declared" "$ENV_FILE"
# ---------------------------------------------------------------- 0. README's blocks, as written
work=/root/omp-declared
mkdir -p "$work"
config=$(readme_block "$dir/README.md" 1)
[ -n "$config" ] || fail "README.md has no configuration block marked for declared.sh"
{
  echo '# e2e: this machine has no cgroup memory controller (doctor says so)'
  echo 'memoryLimits: false'
  printf '%s\n' "$config" | sed -e "${E2E_BREAK_DECLARED:-}"
} >"$work/opencode-memory-pod.yaml"
[ -n "${E2E_BREAK_DECLARED:-}" ] && note "E2E_BREAK_DECLARED: README's block changed by sed '$E2E_BREAK_DECLARED': $(diff <(printf '%s\n' "$config") <(printf '%s\n' "$config" | sed -e "$E2E_BREAK_DECLARED") | grep '^[<>]' | tr '\n' ' ')"
steps=$(readme_block "$dir/README.md" 2)
[ -n "$steps" ] || fail "README.md has no second block marked for declared.sh (the steps)"
grep -q '^POSTGRES_PASSWORD=' "$ENV_FILE" && fail "the env file has POSTGRES_PASSWORD before README's block ran"
t0=$(now_ms)
run_as_written "$work" /tmp/omp-declared-steps.log "$steps"
rc=$? t_steps=$(( $(now_ms) - t0 ))
sed 's/^/  | /' /tmp/omp-declared-steps.log | grep -E '^  \| \+ |summary:|started|FAIL|problem|warning|checks passed|postgres' | cut -c1-220
timing "README's steps for the declared service, as written (password, synth, install, enable --now, doctor): $(secs $t_steps)s"
[ "$rc" = 0 ] && ok "README's steps ran as written (exit 0, $(secs $t_steps)s)" || fail "README's steps failed (exit $rc): $(grep -E '^\+ ' /tmp/omp-declared-steps.log | tail -1)"
grep -q '^all checks passed' /tmp/omp-declared-steps.log && ok "doctor with the declared service: all checks passed" \
  || fail "doctor with the declared service: $(grep -E '^FAIL|problem' /tmp/omp-declared-steps.log | head -3 | tr '\n' ';')"
pw=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$ENV_FILE" | tail -1)
[ "${#pw}" -ge 16 ] || fail "the env file has no POSTGRES_PASSWORD of 16 characters or more after README's block"
# Looked for with grep -f: a grep given the password in its argv would be found in /proc/*/cmdline.
pwfile=$(mktemp) && chmod 600 "$pwfile" && printf '%s\n' "$pw" >"$pwfile"
trap 'rm -f "$pwfile"' EXIT
t0=$(now_ms)
wait_for 120 all_healthy && [ "$(systemctl is-active "$unit")" = active ] \
  && ok "$unit active, all five healthy (postgres among them) $(secs $(( $(now_ms) - t0 )))s after the steps" \
  || fail "after README's steps: $unit $(systemctl is-active "$unit"); $(podman ps -a --format '{{.Names}} {{.Status}}' | tr '\n' ';')"
note "the server: $(podman exec "$pod-postgres" postgres --version 2>&1 | head -1), in $(podman image inspect --format '{{.Id}}' docker.io/library/postgres:15-bookworm | cut -c1-12) ($(podman image inspect --format '{{.Size}}' docker.io/library/postgres:15-bookworm | awk '{printf "%d MB", $1 / 1e6}'))"

# ---------------------------------------------------------------- 1. order: postgres before OpenCode
# The gate is the dependent's own launcher: it logs "<dep> is healthy" once it has seen the marker
# (posted in this pod's network namespace, lock held), then "starting:" before it execs the service.
# Both lines come from one process, so their order in its log is the order they happened. The log
# timestamps of two containers are not comparable that way: a service's launcher posts its marker
# and only then logs "healthy", so a dependent may log "starting:" a few ms before that line (CI,
# systemd-5.4: postgres "starting:" 4 ms before valkey's "healthy" line); they are shown as notes.
gated() { # SERVICE DEP: the service's last "starting:" comes after its launcher's last "DEP is healthy"
  launcher_lines "$1" | awk -v dep="$2 is healthy" -v svc="opencode-memory-pod[$1]: starting: " '
    index($0, dep) { seen = NR } index($0, svc) == 1 { start = NR; ok = (seen > 0 && seen < NR) } END { exit !(start && ok) }'
}
order() { # WHEN
  local pg_healthy pg_start vk_healthy oc_start oc_lines
  vk_healthy=$(log_ms "$pod-valkey" 'opencode-memory-pod[valkey]: healthy ')
  pg_start=$(log_ms "$pod-postgres" 'opencode-memory-pod[postgres]: starting: ')
  pg_healthy=$(log_ms "$pod-postgres" 'opencode-memory-pod[postgres]: healthy ')
  oc_start=$(log_ms "$pod-opencode" 'opencode-memory-pod[opencode]: starting: ')
  oc_lines=$(launcher_lines opencode | grep -E 'postgres' | sed 's/^opencode-memory-pod\[opencode\]: //' | tr '\n' ';')
  note "$1: launcher lines of postgres: $(launcher_lines postgres | grep -vE 'starting:' | sed 's/^opencode-memory-pod\[postgres\]: //' | tr '\n' ';'); OpenCode's about postgres: ${oc_lines:-none}"
  note "$1: log times (ms): valkey healthy $vk_healthy, postgres starting $pg_start, postgres healthy $pg_healthy, OpenCode starting $oc_start"
  if gated postgres valkey; then
    ok "$1: postgres's launcher saw valkey healthy, then started postgres ($(launcher_lines postgres | grep -F 'valkey is healthy' | tail -1 | sed 's/^opencode-memory-pod\[postgres\]: //'))"
  else
    fail "$1: postgres started without its launcher seeing valkey healthy first: $(launcher_lines postgres | tr '\n' ';')"
  fi
  if gated opencode postgres && [ -n "$pg_healthy" ] && [ -n "$oc_start" ]; then
    ok "$1: OpenCode's launcher waited for postgres (${oc_lines%;}) and started OpenCode $(secs $(( oc_start - pg_healthy )))s after postgres posted healthy ($(secs $(( pg_healthy - pg_start )))s after postgres's start)"
  else
    fail "$1: OpenCode did not wait for postgres: its launcher's lines about postgres: '${oc_lines:-none}'; OpenCode started at ${oc_start:-?}, postgres healthy at ${pg_healthy:-?} (ms)"
  fi
}

order "the first start"

# ---------------------------------------------------------------- 2. secrets: its own, and only its own
keys=$(podman exec "$pod-postgres" sh -c 'sed -n "s/^\(export \)\{0,1\}\([A-Za-z_][A-Za-z0-9_]*\)=.*/\2/p" /run/opencode-memory-pod/opencode.env' 2>&1 | sort -u | tr '\n' ' ')
[ "$keys" = "POSTGRES_PASSWORD " ] && ok "inside postgres's container its env file holds one key, POSTGRES_PASSWORD (the host's env file has $(grep -cE '^[A-Za-z_][A-Za-z0-9_]*=' "$ENV_FILE"))" \
  || fail "postgres's env file holds: ${keys:-nothing}"
others=
for s in valkey falkordb datadog opencode; do
  podman exec "$pod-$s" cat /run/opencode-memory-pod/opencode.env 2>/dev/null | grep -qF -e POSTGRES_PASSWORD -f "$pwfile" && others="$others $s"
done
[ -z "$others" ] && ok "no other container's env file holds POSTGRES_PASSWORD or its value (valkey, falkordb, datadog, opencode)" || fail "POSTGRES_PASSWORD reaches:$others"
# What a process in postgres's container can read (environments and argv of its processes, files),
# as suite.sh reads every container: its password (the control), none of the other services' markers.
seen=$(podman exec "$pod-postgres" sh -c '
    for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do cat "$f"; echo; done 2>/dev/null
    find /run /tmp /var/tmp /dev/shm /opt /etc /root /home /var/run /var/log -type f -size -512k 2>/dev/null |
      while IFS= read -r f; do cat "$f" 2>/dev/null; echo; done' 2>/dev/null | tr '\0' '\n'
  for hp in $(podman top "$pod-postgres" hpid 2>/dev/null | tail -n +2); do { cat "/proc/$hp/environ" "/proc/$hp/cmdline"; echo; } 2>/dev/null | tr '\0' '\n'; done)
leaked=$(cut -f2 "$dir/markers.tsv" | while read -r m; do grep -qF -- "$m" <<<"$seen" && awk -F'\t' -v m="$m" '$2 == m { print $1 }' "$dir/markers.tsv"; done | tr '\n' ' ')
if [ -z "$leaked" ] && grep -qF -f "$pwfile" <<<"$seen"; then
  ok "postgres reads its own password (its processes' environment) and none of the other services' keys ($(cut -f1 "$dir/markers.tsv" | tr '\n' ' '))"
else
  fail "postgres's container: other keys readable [${leaked}]; its own password $(grep -qF -f "$pwfile" <<<"$seen" && echo readable || echo 'NOT readable')"
fi
where=
podman pod inspect "$pod" 2>/dev/null | grep -qF -f "$pwfile" && where="$where pod-inspect"
podman inspect $(for s in $services; do echo "$pod-$s"; done) 2>/dev/null | grep -qF -f "$pwfile" && where="$where container-inspect"
for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -f "$pwfile" && where="$where $f($(tr '\0' ' ' <"$f" | cut -c1-60))"; done
journalctl --no-pager -o cat 2>/dev/null | grep -qF -f "$pwfile" && where="$where journal"
grep -rlF -f "$pwfile" "$work/dist" /etc/opencode-memory-pod /etc/systemd/system 2>/dev/null | grep -q . && where="$where generated-files"
[ -z "$where" ] && ok "its password is in no podman inspect (pod, five containers), no /proc/*/cmdline of the machine, not in the journal, dist/ or the installed files" \
  || fail "its password is in:$where"
[ "$(pg 'select current_user')" = postgres ] && ok "the control: the password from the env file logs in over TCP (scram-sha-256)" || fail "the password from the env file does not log in: $(pg 'select current_user' | tail -1)"
# 127.0.0.1 is the pod's, shared by every container (OpenCode's, and what its model runs, too): the
# official image's initdb trusts it unless POSTGRES_INITDB_ARGS says otherwise (README's block does).
wrong=$(pg 'select current_user' "not-the-password-$RANDOM")
[[ $wrong == *"password authentication failed"* ]] \
  && ok "a wrong password is refused on 127.0.0.1, the pod's loopback every container shares ($(echo "$wrong" | grep -o 'password authentication failed for user "[a-z]*"' | head -1))" \
  || fail "a wrong password on 127.0.0.1 (every container of the pod, OpenCode's too, reaches it): '$wrong'"

# ---------------------------------------------------------------- 3. data across a restart of the unit
stamp=declared-$(date +%s%N)
pg "create table if not exists omp_e2e (v text); insert into omp_e2e values ('$stamp')" >/dev/null
[ "$(pg "select v from omp_e2e where v = '$stamp'")" = "$stamp" ] || fail "the row could not be written: $(pg 'select 1')"
id0=$(pod_id)
t0=$(now_ms)
systemctl restart "$unit"
t_restart=$(( $(now_ms) - t0 ))
wait_for 120 all_healthy; t_back=$(( $(now_ms) - t0 ))
timing "systemctl restart of the unit with postgres: $(secs $t_restart)s; all five healthy: $(secs $t_back)s"
got=$(pg "select v from omp_e2e where v = '$stamp'")
[ "$got" = "$stamp" ] && [ "$(pod_id)" != "$id0" ] \
  && ok "data survives a restart of the unit: the row written before is read after (a new pod $id0 -> $(pod_id), back in $(secs $t_back)s)" \
  || fail "after the restart of the unit: the row written before reads '$got' (pod $id0 -> $(pod_id))"
data=/persist/containers/postgres/pgdata
[ "$(stat -c '%u %a' "$data" 2>/dev/null)" = '999 700' ] && [ -s "$data/PG_VERSION" ] \
  && ok "its data is on the host: $data (PG_VERSION $(cat "$data/PG_VERSION"), owner 999, 0700, $(du -sm "$data" | cut -f1) MB)" \
  || fail "its data directory on the host: $(ls -ld "$data" 2>&1)"
order "after the restart of the unit"

# ---------------------------------------------------------------- 4, 5: a crash and a hang of the postmaster
# Two bounds, as suite.sh's hang check: noticing it and starting a new process is ours (the watchdog,
# podman); the new postmaster's own start to serving (crash recovery of its WAL) is PostgreSQL's.
heal() { # SIGNAL REPLACE_MAX SERVE_MAX -> heal_rc, heal_tr (ms to a new postmaster), heal_ts (ms from it to serving)
  # Polls every 0.2 s here only: the times to replace a crashed or hung postmaster are reported to a tenth.
  local sig=$1 rmax=$2 smax=$3 pid t0 wait_step=0.2
  heal_tr=- heal_ts=- heal_rc=0
  pid=$(ctr_pid postgres)
  heal_pid=$pid
  t0=$(now_ms)
  signal_pid "$sig" "$pid" || { heal_rc=5; return; }
  if [ "$sig" = STOP ]; then
    # What a plain tcp probe sees now: the kernel still accepts the connection.
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && heal_accepts=yes || heal_accepts=no
  fi
  replaced() { local n; n=$(ctr_pid postgres); [ -n "$n" ] && [ "$n" != 0 ] && [ "$n" != "$heal_pid" ]; }
  if ! wait_for "$rmax" replaced; then kill -CONT "$pid" 2>/dev/null; heal_rc=1; return; fi
  heal_tr=$(( $(now_ms) - t0 ))
  served() { replaced && healthy postgres && serving; }
  wait_for "$smax" served || { heal_rc=3; return; }
  heal_ts=$(( $(now_ms) - t0 - heal_tr ))
  [ "$heal_tr" -le $((rmax * 1000)) ] || heal_rc=2
  [ "$heal_ts" -le $((smax * 1000)) ] || heal_rc=4
}
heal_report() { # WHAT RMAX SMAX
  case $heal_rc in
    0) ok "$1: a new postmaster after $(secs $heal_tr)s (at most $2 s), serving $(secs $heal_ts)s after that (at most $3 s)"
       timing "$1 -> replaced: $(secs $heal_tr)s; -> serving again: $(secs $(( heal_tr + heal_ts )))s" ;;
    1) fail "$1: not replaced within $2 s ($(podman ps -a --filter "name=$pod-postgres" --format '{{.Status}}'))" ;;
    2) fail "$1: replaced only after $(secs $heal_tr)s (more than $2 s)" ;;
    3) fail "$1: replaced after $(secs $heal_tr)s, not serving within $3 s" ;;
    4) fail "$1: replaced after $(secs $heal_tr)s, serving only $(secs $heal_ts)s after that (more than $3 s)" ;;
    *) fail "$1: could not signal the postmaster" ;;
  esac
}
watchdog_lines() { journalctl --no-pager -o cat -u "$pod-watchdog.service" --since "@$1" 2>/dev/null | grep -E '^opencode-memory-pod: .*postgres' | sed 's/^opencode-memory-pod: //' | tr '\n' ';'; }
kept() { [ "$(pg "select v from omp_e2e where v = '$stamp'")" = "$stamp" ] && ok "$1: the row written before is there" || fail "$1: the row written before is gone"; }

# kill -9: podman's restartPolicy Always starts the container again (the watchdog would, if podman left it stopped).
restarts0=$(podman inspect --format '{{.RestartCount}}' "$pod-postgres")
since=$(date +%s)
heal KILL 30 30
heal_report "crash (kill -9) of the postmaster" 30 30
note "after the kill -9: RestartCount $restarts0 -> $(podman inspect --format '{{.RestartCount}}' "$pod-postgres") (podman's restartPolicy Always); the watchdog's lines about postgres: $(watchdog_lines "$since")"
kept "after the kill -9"
note "postgres after the kill -9: $(podman logs --since "$since" "$pod-postgres" 2>&1 | grep -E 'was interrupted|redo (starts|done)|ready to accept' | sed 's/^[^]]*\] //' | cut -c1-90 | tr '\n' ';')"

# SIGSTOP: the process and its listening socket stay, nothing answers. Only the watchdog heals it:
# its send probe gets no reply within 2 s, the container's own check (the same bytes, in health.sh)
# fails too, and it kills the postmaster (podman's own probe runs every 300 s). Bound as suite.sh's
# for Valkey: a round every 5 s + 2 s probe + podman ps, exec of the check (4 s) + kill + podman's
# restart (about 2 s) is about 15 s unloaded; 45 s leaves room for CI's load.
since=$(date +%s)
heal_accepts=
heal STOP 45 30
heal_report "hang (SIGSTOP) of the postmaster" 45 30
note "while postgres was stopped its port still accepted a connection: $heal_accepts (a plain tcp probe sees a hung server as healthy)"
lines=$(watchdog_lines "$since")
[[ $lines == *"postgres does not answer"* ]] && ok "the pod's watchdog replaced the hung postgres: ${lines%;}" || fail "no watchdog line for the hung postgres in its journal: ${lines:-none}"
kept "after the hang"
t0=$(now_ms)
wait_for 60 all_healthy && ok "after the crash and the hang all five are healthy ($(secs $(( $(now_ms) - t0 )))s later)" || fail "after the crash and the hang not all are healthy"

# The watchdog asked postgres every 5 s all along (an SSLRequest, then it leaves): PostgreSQL logs nothing of it.
complaints=$(podman logs "$pod-postgres" 2>&1 | grep -cE 'incomplete startup packet|could not receive data from client|unsupported frontend protocol')
[ "$complaints" = 0 ] && ok "postgres's log has no line about the watchdog's questions ($(podman logs "$pod-postgres" 2>&1 | wc -l) lines since this pod's start)" \
  || fail "postgres logs the watchdog's questions: $(podman logs "$pod-postgres" 2>&1 | grep -E 'incomplete startup packet|could not receive data|unsupported frontend' | tail -2 | tr '\n' ';')"
# E2E_DECLARED_IDLE=SECONDS (not in CI): what the watchdog spends, its send probe among its questions,
# while nothing is asked of the pod: its own CPU time (with its children's) and the PIDs the machine
# allocated in that window (README, What supervision costs while the pod idles).
if [ -n "${E2E_DECLARED_IDLE:-}" ]; then
  wpid=$(systemctl show -p MainPID --value "$pod-watchdog.service")
  own() { awk '{print $14 + $15}' "/proc/$wpid/stat"; }
  kids() { awk '{print $16 + $17}' "/proc/$wpid/stat"; }
  hz=$(getconf CLK_TCK)
  sleep 25   # past the grace of the replaced postgres and the podman healthcheck run that follows it
  o0=$(own) k0=$(kids) p0=$(awk '{print $5}' /proc/loadavg) t0=$(now_ms)
  sleep "$E2E_DECLARED_IDLE"
  o1=$(own) k1=$(kids) p1=$(awk '{print $5}' /proc/loadavg) t1=$(now_ms)
  timing "idle, with postgres's send probe: the watchdog (pid $wpid) spent $(awk -v c=$((o1 - o0)) -v hz="$hz" 'BEGIN {printf "%.2f", c / hz}') CPU-s itself and $(awk -v c=$((k1 - k0)) -v hz="$hz" 'BEGIN {printf "%.2f", c / hz}') in processes it started, in $(secs $((t1 - t0)))s; the machine allocated $((p1 - p0)) PIDs (postgres forks a backend for each question)"
fi
timing "the declared service, all checks: $(secs $(( $(now_ms) - t_all )))s"
echo "e2e-$label: $passed passed, $failed failed"
[ "$failed" = 0 ]
