#!/bin/bash
# Runs README.md's "On a host" block as written, inside a booted Debian 12 machine (machine.sh
# readme), then checks that it reached a healthy pod with the real OpenCode. Usage: readme-steps.sh REPO
# The machine has no network: npm reads a filled cache (npm_config_offline, set by machine.sh), the
# three registry images are the stand-ins under their real names, and the Debian base of the OpenCode
# image is there as docker.io/library/debian:bookworm-20261005-slim (the default base) with git,
# ripgrep, tini and busybox in it (the apt-get step of the Containerfile is exercised by the host's build). The machine has no
# cgroup memory controller: machine.sh put an opencode-memory-pod.yaml with `memoryLimits: false`
# in the clone (doctor's fix; the check below proves doctor catches it). sudo is not installed:
# everything runs as root, so `sudo CMD` runs CMD.
set -u
repo=$1
label=readme-4.3.1
pod=opencode-memory-pod
. "$(dirname "$0")/checks.sh"
cd "$repo" || exit 1

# README.md's blocks marked for this script: 1, On a host; 2, Your code (from a workspace to a file in it).
# Runs marked block N as written, each line echoed with its time as a user would see it (-e: the
# first failing step ends it), into LOG; prints the trace (less lines matching HIDE) and the time.
run_block() { # N NAME LOG HIDE WHAT-IT-DOES
  local n=$1 name=$2 log=$3 hide=$4 what=$5 text rc t0 t
  text=$(readme_block README.md "$n")
  [ -n "$text" ] && ok "README.md has the marked $name block ($(grep -cvE '^(#|$|[A-Z_]+=)' <<<"$text") lines)" || fail "no marked $name block in README.md"
  t0=$(now_ms)
  bash -e -c "sudo() { \"\$@\"; }; PS4='+ [\$(date +%T)] '; set -x; $text" >"$log" 2>&1
  rc=$?
  t=$(( $(now_ms) - t0 ))
  sed 's/^/  | /' "$log" | grep -E '^\s+\| \+ |opencode-memory-pod:|^  \| (ok|FAIL|note)|problem|checks passed|Then run|hello' | grep -vE "$hide" | cut -c1-200
  echo "timing [$label] the $name steps, $what: $(secs $t)s"
  [ "$rc" = 0 ] && ok "every $name step ran as written and succeeded (exit 0, $(secs $t)s)" || { fail "a $name step failed (exit $rc): $(grep -E '^\+ ' "$log" | grep -vE "$hide" | tail -1)"; tail -30 "$log" | grep -vE "$hide"; }
}
run_block 1 'On a host' /tmp/readme-steps.log '^$' 'npm ci to a healthy pod'

doctor_runs=$(grep -cE '(all checks passed|problem\(s\) found)' /tmp/readme-steps.log)
grep -q '^note not installed yet: install will copy pod.yaml' /tmp/readme-steps.log && ok "doctor before install says what install will do" || fail "doctor before install did not say what install will do"
[ "$doctor_runs" = 2 ] && [ "$(grep -cE 'all checks passed' /tmp/readme-steps.log)" = 2 ] && ok "doctor passed before and after install (exit 0 both times)" || fail "doctor: $(grep -E 'problem\(s\) found|^FAIL' /tmp/readme-steps.log | head -5 | tr '\n' ';')"
# doctor after the start reads the network the running pod is on (Debian 12: slirp4netns, issue 24).
grep -qE '^ok +pod opencode-memory-pod runs on (slirp4netns|its own bridge)' /tmp/readme-steps.log \
  && ok "doctor after the start: $(grep -oE 'pod opencode-memory-pod runs on [^:]*' /tmp/readme-steps.log | head -1)" \
  || fail "doctor after the start did not say the pod runs on a network of its own: $(grep -E 'runs on|network' /tmp/readme-steps.log | head -3 | tr '\n' ';')"
unit=$(readme_block README.md 1 | grep -o "podman-kube@[^']*\.service" | head -1)
[ "$(systemctl is-active "$unit")" = active ] && ok "$unit is active" || fail "$unit is $(systemctl is-active "$unit")"
for s in valkey falkordb datadog opencode; do
  timeout 12 podman exec "$pod-$s" /bin/sh /opt/opencode-memory-pod/health.sh "$s" >/dev/null 2>&1 && ok "$s is healthy" || fail "$s is not healthy"
done
version=$(podman exec "$pod-opencode" opencode --version 2>/dev/null)
label_v=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "$(podman inspect --format '{{.ImageName}}' "$pod-opencode")" 2>/dev/null)
[ -n "$version" ] && [ "$version" = "$label_v" ] && ok "the pod runs the real OpenCode $version, the image image build made (label $label_v)" || fail "OpenCode version '$version', image label '$label_v'"
password=$(readme_block README.md 1 | sed -n 's/^OPENCODE_SERVER_PASSWORD=//p')
# From the machine's host side, over the published port (bash's /dev/tcp: the On a host block needs no curl).
http_get() { # PATH [USER:PASSWORD] -> status line, then the body
  local auth=
  [ -n "${2:-}" ] && auth="Authorization: Basic $(printf '%s' "$2" | base64 -w0)"$'\r\n'
  timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4096; printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n" "$1" "$2" >&3; cat <&3' sh "$1" "$auth" | tr -d '\r' | sed -n '1p;$p'
}
resp=$(http_get /global/health "opencode:$password")
[[ $resp == *' 200 '*'"healthy":true'* ]] && ok "GET http://127.0.0.1:4096/global/health with the README's password: $(tail -1 <<<"$resp")" || fail "authenticated health: '$resp'"
resp=$(http_get /global/health)
[[ $(head -1 <<<"$resp") == *' 401 '* ]] && ok "without the password: 401" || fail "without the password: $(head -1 <<<"$resp")"
# doctor on the built-in defaults (memory limits on) catches this machine's missing controller.
( cd /tmp && node "$repo/build/cli.js" synth -o /tmp/omp-defaults >/dev/null && node "$repo/build/cli.js" doctor --from /tmp/omp-defaults >/tmp/doctor-defaults.txt 2>&1 )
grep -q '^FAIL this host has no cgroup memory controller' /tmp/doctor-defaults.txt && ok "doctor on the defaults says this machine cannot give containers a memory limit, and how to go on" \
  || fail "doctor did not report the missing memory controller: $(grep -E '^FAIL' /tmp/doctor-defaults.txt | head -3 | tr '\n' ';')"
# README "Your code": a workspace, synth and install again, restart, then a host client's session
# and a file OpenCode writes there through the API, as written.
# The trace shows expanded words: the lines that carry the password are left out.
run_block 2 'Your code' /tmp/readme-workspace.log 'OPENCODE_SERVER_PASSWORD=|user = ' "config change to OpenCode's file in the workspace"
[ "$(stat -c '%u:%g' /srv/code/hello.txt 2>/dev/null)" = 1000:1000 ] && [ "$(cat /srv/code/hello.txt 2>/dev/null)" = 'hello from opencode' ] \
  && ok "OpenCode wrote /srv/code/hello.txt through the API, owned by 1000:1000 on the host" || fail "/srv/code/hello.txt: $(ls -ln /srv/code 2>&1 | tr '\n' ' ')"

t0=$(now_ms)
systemctl stop "$unit"
t_stop=$(( $(now_ms) - t0 ))
echo "timing [$label] systemctl stop: $(secs $t_stop)s"
[ "$t_stop" -le 10000 ] && ok "systemctl stop within 10 s ($(secs $t_stop)s)" || fail "systemctl stop took $(secs $t_stop)s (more than 10 s)"
echo "e2e-$label: $passed passed, $failed failed"
[ "$failed" = 0 ]
