# Sourced by the e2e scripts that run where podman runs (suite.sh, day-two.sh, declared.sh,
# readme-steps.sh), from their own folder: one way to report a check, to wait, and to ask the pod.
# The caller sets label (the result lines' tag) and, before the pod's helpers, pod and services
# (the services in start order).
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   [$label] $*"; }
fail() { failed=$((failed + 1)); echo "FAIL [$label] $*"; }
note() { echo "note [$label] $*"; }
timing() { echo "timing [$label] $*"; }
now_ms() { date +%s%3N; }
secs() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }
# wait_for SECONDS CMD...: poll until CMD succeeds, every wait_step s (0.5 unless the caller sets it):
# the checks are podman calls (about 0.2 s of CPU each), and polling faster would load the 2 cores
# the pod itself needs.
wait_for() {
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@"; do [ "$(now_ms)" -ge "$deadline" ] && return 1; sleep "${wait_step:-0.5}"; done
}
# readme_block FILE N: the Nth fenced block (sh or yaml) marked for the calling script in FILE
# (a `<!-- e2e: test/e2e/lib/<script> ... -->` line before it), as written.
readme_block() {
  awk -v want="$2" -v mark="<!-- e2e: test/e2e/lib/${0##*/}" 'index($0, mark) == 1 { n++; f = (n == want); next }
    f && /^```(sh|yaml)$/ { b = 1; next } b && /^```$/ { exit } b { print }' "$1"
}
# run_as_written DIR LOG TEXT: a README block as a user runs it, in DIR: bash -e (the first failing
# step ends it), each step traced with its time, into LOG. For the systemd machines (day-two.sh,
# declared.sh), which have no npm: `npm run synth` and `npx opencode-memory-pod` are the package's own
# build in /opt/omp-cli (package.json's "synth" script and "bin"), and sudo runs its command (root).
run_as_written() {
  local shims='sudo() { "$@"; }
npm() { [ "$*" = "run synth" ] || { echo "npm $*: not in this machine" >&2; return 127; }; node /opt/omp-cli/build/main.js; }
npx() { [ "$1" = opencode-memory-pod ] || { echo "npx $1: not in this machine" >&2; return 127; }; shift; node /opt/omp-cli/build/cli.js "$@"; }'
  (cd "$1" && bash -e -c "$shims
PS4='+ [\$(date +%T)] '; set -x; $3") >"$2" 2>&1
}

# The service's own health check (the one its dependents wait for), inside its container.
healthy() { timeout 12 podman exec "$pod-$1" /bin/sh /opt/opencode-memory-pod/health.sh "$1" >/dev/null 2>&1; }
# Last service first: while the pod comes up, a poll then costs one podman exec, not one per
# service (the polling competes for the 2 cores with the real OpenCode's own start).
all_healthy() { local svc; for svc in $(printf '%s\n' $services | tac); do healthy "$svc" || return 1; done; }
# An exited container reports pid 0, and kill -9 0 would end our own process group: refuse <= 1.
signal_pid() { # SIG PID
  case $2 in '' | *[!0-9]*) echo "refusing to signal pid '$2'" >&2; return 1 ;; esac
  [ "$2" -gt 1 ] || { echo "refusing to signal pid $2" >&2; return 1; }
  kill -"$1" "$2"
}
pod_id() { podman pod inspect --format '{{.Id}}' "$pod" 2>/dev/null | cut -c1-12; }
ctr_pid() { podman inspect --format '{{.State.Pid}}' "$pod-$1" 2>/dev/null; }
# Runs a redis command inside a store's container, with the password from the env file read the
# way the pod reads it (no value on any command line).
store_cmd() { # SERVICE CLI PORT KEY ARGS...
  local svc=$1 cli=$2 port=$3 key=$4; shift 4
  podman exec "$pod-$svc" sh -c '. /opt/opencode-memory-pod/envfile.sh; omp_load_env /run/opencode-memory-pod/opencode.env "$1" 2>/dev/null; eval "pw=\${$1:-}"; [ -n "$pw" ] && export REDISCLI_AUTH="$pw"; shift; exec "$@"' \
    sh "$key" "$cli" -h 127.0.0.1 -p "$port" "$@"
}
# A request to the real OpenCode's HTTP API from inside its container, authenticated with the
# password read from the env file the way the pod reads it (no value on any command line): the
# response's status line and body. busybox nc, as the health check uses.
oc_api() { # METHOD PATH [JSON_BODY]
  podman exec -i "$pod-opencode" sh -c '. /opt/opencode-memory-pod/envfile.sh
    omp_load_env /run/opencode-memory-pod/opencode.env OPENCODE_SERVER_PASSWORD 2>/dev/null
    auth=$(printf "opencode:%s" "${OPENCODE_SERVER_PASSWORD:-}" | base64 | tr -d "\n")
    printf "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s" \
      "$1" "$2" "$auth" "${#3}" "$3" | nc -w 10 127.0.0.1 4096' sh "$1" "$2" "${3:-}" 2>/dev/null | tr -d '\r' | sed -n '1p;$p'
}
# A session made through the API (three tries, 2 s apart: just after a start OpenCode may refuse
# one); its id on stdout, nothing when none was made.
oc_new_session() { # TITLE
  local s i
  for i in 1 2 3; do
    s=$(oc_api POST /session "{\"title\":\"omp-e2e $1\"}" | sed -n 's/.*"id":"\(ses_[A-Za-z0-9]*\)".*/\1/p' | head -1)
    [ -n "$s" ] && break
    sleep 2
  done
  echo "$s"
}
oc_has_session() { oc_api GET "/session/$1" | grep -q "\"id\":\"$1\""; }
