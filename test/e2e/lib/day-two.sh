#!/bin/bash
# Day two (issue 21), inside a booted systemd machine (machine.sh systemd, after the reboot check,
# with the pod's unit running): README.md's "Changing and removing" blocks, run as written and in
# order, each followed by checks of what it did:
#   1 a change (Valkey's maxmemory) applied to the running pod; 2 an upgrade of OpenCode to the next
#   release and of Valkey's image; 3 back to the versions before; 4 podman-kube -> Quadlet ->
#   podman-kube (on podman 4.3.1 the refusal), sampling both units and the pod all along; 5 a new
#   pod name; 6 uninstall, then everything left on the host is listed.
# Usage: day-two.sh DIR (DIR: README.md, machine.yaml, markers.tsv; the CLI is in /opt/omp-cli).
# The machine has no npm: `npm run synth` and `npx opencode-memory-pod` are the package's own
# `node build/main.js` and `node build/cli.js` (package.json's "synth" script and "bin"), and sudo
# runs its command (root already). Prints ok/FAIL lines, "timing [...]" lines, "inventory" notes,
# and last "e2e-<label>-day2: N passed, N failed".
set -u
dir=$1
label=${E2E_LABEL:-systemd}-day2
unit=$E2E_UNIT
next=${E2E_OPENCODE_NEXT:?}
cli=/opt/omp-cli
pod=opencode-memory-pod
quadlet_unit=opencode-memory-pod.service
services="valkey falkordb datadog opencode"
. "$(dirname "$0")/checks.sh"
oc_version() { oc_api GET /global/health | sed -n 's/.*"version":"\([^"]*\)".*/\1/p'; }
image_of() { podman inspect --format '{{.ImageName}}' "$pod-$1" 2>/dev/null; }
# What this tool has on the host now: the units (those known to systemd, with their state), pods,
# containers, podman networks, receipts and data directories. One note line; the report of each path.
inventory() { # WHEN
  local units pods ctrs nets receipts data
  units=$(systemctl list-units --all --plain --no-legend 2>/dev/null | awk '{print $1 "=" $3 "/" $4}' | grep -E 'podman-kube@|opencode-memory-pod|memory' | tr '\n' ' ')
  pods=$(podman pod ps --format '{{.Name}}({{.Status}})' 2>/dev/null | tr '\n' ' ')
  ctrs=$(podman ps -a --format '{{.Names}}' 2>/dev/null | wc -l)
  nets=$(podman network ls --format '{{.Name}}' 2>/dev/null | grep -vx podman | tr '\n' ' ')
  receipts=$(ls /var/lib/opencode-memory-pod/installs 2>/dev/null | tr '\n' ' ')
  data=$(for d in /persist/containers/*; do [ -d "$d" ] && printf '%s(%s files) ' "$d" "$(find "$d" -type f | wc -l)"; done)
  note "inventory $1: units: ${units:-none}; pods: ${pods:-none}; containers: $ctrs; networks: ${nets:-none}; receipts: ${receipts:-none}; data: ${data:-none}"
}
# Runs marked block N as written in the work folder (-e: the first failing step ends it), each line
# traced with its time; sets block_rc and block_ms, and leaves the output in /tmp/omp-day2-N.log.
run_block() { # N WHAT
  local text t0
  text=$(readme_block "$dir/README.md" "$1")
  [ -n "$text" ] || { fail "README.md has no block $1 marked for day-two.sh ($2)"; block_rc=99 block_ms=0; return; }
  t0=$(now_ms)
  run_as_written "$work" "/tmp/omp-day2-$1.log" "$text"
  block_rc=$?
  block_ms=$(( $(now_ms) - t0 ))
  sed 's/^/  | /' "/tmp/omp-day2-$1.log" | grep -E '^  \| \+ |summary:|stopped|started|refus|removed|would|note|hint|FAIL|problem|checks passed|already built|present|pulling' | cut -c1-220
  timing "README block $1 ($2), as written: $(secs $block_ms)s"
  [ -n "$(unit_times "$1")" ] && timing "README block $1, systemctl as install ran it: $(unit_times "$1")"
}
out() { cat "/tmp/omp-day2-$1.log"; }
# systemctl's own time for the unit's stop and start, from install's lines ("stopped 'U' (1.9 s)").
unit_times() { # N
  grep -oE "^(stopped|started|disabled|enabled) '[^']*' \([0-9.]+ s\)" "/tmp/omp-day2-$1.log" | sed -E "s/^([a-z]+) '([^']*)' \((.*)\)/\1 \2 \3/" | tr '\n' ';' | sed 's/;$//; s/;/; /g'
}

inventory "before day two"
t_all=$(now_ms)
wait_for 120 all_healthy && [ "$(systemctl is-active "$unit")" = active ] && ok "day two begins with $unit active and all four healthy" || fail "day two begins with $unit $(systemctl is-active "$unit") (not all healthy)"
# doctor reports the suite's hostile env file (reserved keys, values it skips) as problems, rightly:
# the blocks run doctor, so day two uses the same keys with plain values. The pod reads the file at
# its next start (block 1's restart).
cut -f1,2 --output-delimiter== "$dir/markers.tsv" >"$ENV_FILE.day2" && chmod 600 "$ENV_FILE.day2" && mv "$ENV_FILE.day2" "$ENV_FILE"
# README's flow has one pod on the host; the suite also installed its fault variant here (another
# pod, whose receipt names the same OpenCode image): it goes first, as README says for a second pod.
fault_out=$(node "$cli/build/cli.js" uninstall --pod omp-e2e-fault 2>&1)
echo "$fault_out" | sed 's/^/  | /'
echo "$fault_out" | grep -qE '^summary: uninstalled pod omp-e2e-fault: [0-9]+ file\(s\) removed, 0 left' && [ ! -e /var/lib/opencode-memory-pod/installs/omp-e2e-fault.json ] \
  && ok "the suite's second pod is uninstalled first (uninstall --pod omp-e2e-fault): $(echo "$fault_out" | grep '^summary' | cut -d: -f3-)" \
  || fail "uninstall --pod omp-e2e-fault: $(echo "$fault_out" | tail -3 | tr '\n' ' ')"
# Its unit's start failed on purpose (suite.sh, faults): systemd runs no ExecStop after a failed start,
# so its stopped pod stays, which uninstall names with the command that removes it. Done as it says.
if podman pod exists omp-e2e-fault; then
  echo "$fault_out" | grep -q '^note: a pod omp-e2e-fault still exists.*podman pod stop omp-e2e-fault && podman pod rm omp-e2e-fault' \
    && ok "uninstall names the fault pod its failed start left, with the commands that remove it" || fail "uninstall did not name the fault pod left behind"
  podman pod stop omp-e2e-fault >/dev/null 2>&1; podman pod rm omp-e2e-fault >/dev/null 2>&1
  podman network exists omp-e2e-fault && podman network rm omp-e2e-fault >/dev/null 2>&1
  note "removed the fault pod and its network as uninstall said: $(podman pod exists omp-e2e-fault && echo 'pod still there' || echo 'pod gone'), $(podman network exists omp-e2e-fault && echo 'network still there' || echo 'network gone')"
fi
# The clone of README's blocks: the configuration the machine's pod was synthesized from, and dist/.
work=/root/omp-day2
mkdir -p "$work" && cp "$dir/machine.yaml" "$work/opencode-memory-pod.yaml"
(cd "$work" && node "$cli/build/main.js" >/dev/null 2>&1)
cmp -s "$work/dist/pod.yaml" /etc/opencode-memory-pod/pod.yaml && ok "npm run synth in the machine writes the pod.yaml that is installed" \
  || fail "the machine's synth differs from the installed pod.yaml: $(diff "$work/dist/pod.yaml" /etc/opencode-memory-pod/pod.yaml | head -3 | tr '\n' ' ')"
stamp=day2-$(date +%s%N)
store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD set omp-e2e-day2 "$stamp" >/dev/null
s1=$(oc_new_session "day two on $(oc_version)")
[ -n "$s1" ] && ok "a session made before day two: $s1 (OpenCode $(oc_version))" || fail "no session could be made before day two: $(oc_api POST /session '{}')"
kept() { # WHEN: the data made before day two is there
  local got
  got=$(store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD get omp-e2e-day2 2>/dev/null)
  [ "$got" = "$stamp" ] && ok "$1: the Valkey key written before day two is there" || fail "$1: the Valkey key written before day two is '$got'"
  wait_for 30 oc_has_session "$s1" && ok "$1: OpenCode's session $s1 is there" || fail "$1: OpenCode lost session $s1"
}

# ---------------------------------------------------------------- 1. a change, applied to the running pod
id0=$(pod_id)
run_block 1 'a change: Valkey maxmemory 1gb'
[ "$block_rc" = 0 ] && ok "block 1 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 1 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-1.log | tail -1)"
out 1 | grep -qxF "would stop '$unit' to change what it runs (pod.yaml changed)" && out 1 | grep -qxF "summary: 1 file(s) to change, 0 to remove; would: restarted '$unit' (pod.yaml changed)" \
  && ok "install --dry-run: the plan names pod.yaml and the restart" || fail "install --dry-run: $(out 1 | grep -E '^(would|summary)' | tr '\n' ';')"
out 1 | grep -qxF "summary: 1 file(s) changed, 0 removed; restarted '$unit' (pod.yaml changed)" && ok "install: 1 file changed, the unit restarted ($(unit_times 1))" \
  || fail "install: $(out 1 | grep '^summary' | tail -1)"
[ "$(systemctl is-active "$unit")" = active ] && all_healthy && [ "$(pod_id)" != "$id0" ] && ok "back healthy: a new pod ($id0 -> $(pod_id)), all four healthy" || fail "after the change: $unit $(systemctl is-active "$unit"), pod $(pod_id) (was $id0)"
mm=$(store_cmd valkey valkey-cli 6380 VALKEY_PASSWORD config get maxmemory 2>/dev/null | tail -1)
[ "$mm" = 1073741824 ] && out 1 | grep -qE '^\[.*--maxmemory 1gb' && ok "the change is in effect: Valkey CONFIG GET maxmemory = $mm, the container's args say --maxmemory 1gb" \
  || fail "the change is not in effect: maxmemory $mm; args: $(out 1 | grep -E '^\[' | cut -c1-200)"
out 1 | grep -q "^ok   pod $pod runs the installed files" && out 1 | grep -q '^all checks passed' && ok "doctor after the change: the pod runs the installed files, all checks passed" \
  || fail "doctor after the change: $(out 1 | grep -E '^FAIL|problem' | head -3 | tr '\n' ';')"
kept "after the change"
id1=$(pod_id)
again=$(cd "$work" && node "$cli/build/cli.js" install 2>&1)
echo "$again" | grep -qxF "summary: 0 file(s) changed, 0 removed; '$unit' runs the installed files: not restarted" && [ "$(pod_id)" = "$id1" ] \
  && ok "install again: nothing changes, nothing restarts" || fail "install again: $(echo "$again" | tail -1) (pod $id1 -> $(pod_id))"

# An image that is not here: install refuses before it touches anything (the pod keeps running).
mkdir -p /tmp/omp-day2-missing
sed 's/^  opencode:$/&\n    version: 1.19.4/' "$work/opencode-memory-pod.yaml" >/tmp/omp-day2-missing/opencode-memory-pod.yaml
(cd /tmp/omp-day2-missing && node "$cli/build/main.js" >/dev/null 2>&1)
sum0=$(sha256sum /etc/opencode-memory-pod/pod.yaml)
t0=$(now_ms)
refusal=$(cd /tmp/omp-day2-missing && node "$cli/build/cli.js" install 2>&1); rc=$?
timing "install refusing a missing image: $(secs $(( $(now_ms) - t0 )))s"
[ "$rc" = 1 ] && echo "$refusal" | grep -q 'localhost/opencode-server:1.19.4 (opencode; get it: opencode-memory-pod image build) is not in local storage' \
  && [ "$(pod_id)" = "$id1" ] && [ "$(sha256sum /etc/opencode-memory-pod/pod.yaml)" = "$sum0" ] && [ "$(systemctl is-active "$unit")" = active ] \
  && ok "a version whose image is not built: install refuses (exit 1), names image build, changes nothing (same pod, same pod.yaml)" \
  || fail "missing image: exit $rc: $(echo "$refusal" | tail -2 | tr '\n' ' ') (pod $id1 -> $(pod_id))"
inventory "after the change"

# ---------------------------------------------------------------- 2. upgrade: OpenCode's next release, Valkey's next image
from_version=$(oc_version)
run_block 2 "upgrade: OpenCode $next, Valkey 7.2.15"
[ "$block_rc" = 0 ] && ok "block 2 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 2 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-2.log | tail -1)"
out 2 | grep -q "^opencode-memory-pod: localhost/opencode-server:$next is already built (OpenCode $next" \
  && note "image build: localhost/opencode-server:$next is already built here (the suite built it on its host with the same command and loaded it)"
out 2 | grep -qxF "summary: 1 file(s) changed, 0 removed; restarted '$unit' (pod.yaml changed)" && ok "install restarted the unit onto the new images ($(unit_times 2))" \
  || fail "install: $(out 2 | grep '^summary' | tail -1)"
v=$(oc_version)
# The version the running server reports, and its image's label (image build writes the release's).
label_v=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "$(image_of opencode)" 2>/dev/null)
wait_for 60 all_healthy && [ "$v" = "$next" ] && [ "$label_v" = "$next" ] \
  && [ "$(image_of valkey)" = docker.io/valkey/valkey:7.2.15 ] && [ "$(image_of opencode)" = "localhost/opencode-server:$next" ] \
  && ok "upgraded: all four healthy, OpenCode $from_version -> $v (GET /global/health; its image's label: $label_v), Valkey runs docker.io/valkey/valkey:7.2.15" \
  || fail "after the upgrade: OpenCode '$v', images $(image_of opencode) $(image_of valkey)"
kept "after the upgrade to $next"
s2=$(oc_new_session "day two on $next")
[ -n "$s2" ] && ok "a session made on OpenCode $next: $s2" || fail "no session could be made on OpenCode $next"
out 2 | grep -q "hint: podman rmi localhost/opencode-server:$from_version\$" && out 2 | grep -q 'hint: podman rmi docker.io/valkey/valkey:7.2.14$' && out 2 | grep -q '^all checks passed' \
  && ok "doctor after the upgrade names the images no longer used (opencode-server:$from_version, valkey:7.2.14) with podman rmi, and passes" \
  || fail "doctor after the upgrade: $(out 2 | grep -E 'rmi|^FAIL|problem' | tr '\n' ';')"
inventory "after the upgrade"

# ---------------------------------------------------------------- 3. back to the versions before
run_block 3 "back: OpenCode $from_version, Valkey 7.2.14"
[ "$block_rc" = 0 ] && ok "block 3 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 3 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-3.log | tail -1)"
out 3 | grep -qxF "summary: 1 file(s) changed, 0 removed; restarted '$unit' (pod.yaml changed)" && ok "install restarted the unit onto the images before ($(unit_times 3))" \
  || fail "install: $(out 3 | grep '^summary' | tail -1)"
v=$(oc_version)
wait_for 60 all_healthy && [ "$v" = "$from_version" ] && [ "$(image_of valkey)" = docker.io/valkey/valkey:7.2.14 ] \
  && ok "back: all four healthy, OpenCode $next -> $v, Valkey on docker.io/valkey/valkey:7.2.14" || fail "back: OpenCode '$v', Valkey $(image_of valkey)"
kept "back on $from_version"
[ -n "$s2" ] && wait_for 30 oc_has_session "$s2" && ok "back on $from_version: the session made on $next ($s2) is there too" || fail "back on $from_version: the session made on $next ($s2) is gone"
out 3 | grep -q "hint: podman rmi localhost/opencode-server:$next\$" && out 3 | grep -q 'hint: podman rmi docker.io/valkey/valkey:7.2.15$' \
  && ok "doctor back on $from_version names opencode-server:$next and valkey:7.2.15 with podman rmi" || fail "doctor back: $(out 3 | grep -E 'rmi|^FAIL|problem' | tr '\n' ';')"
inventory "back on the versions before"

# ---------------------------------------------------------------- 4. podman-kube -> Quadlet -> podman-kube
# Sampled all along: both units' state and the pod; a unit "runs the pod" unless inactive, failed or unknown.
sample() { # OUT: a line every ~0.3 s: ms state(podman-kube@) state(Quadlet) pods
  while [ ! -e "$1.stop" ]; do
    printf '%s %s %s %s\n' "$(now_ms)" "$(systemctl is-active "$unit" 2>/dev/null | head -1)" "$(systemctl is-active "$quadlet_unit" 2>/dev/null | head -1)" \
      "$(podman pod ps --format '{{.Name}}:{{.Id}}:{{.Status}}' 2>/dev/null | awk -F: -v p="$pod" '$1 == p {printf "%s:%s,", substr($2, 1, 12), $3}')" >>"$1"
    sleep 0.3
  done
}
id3=$(pod_id)
samples=/tmp/omp-day2-samples
rm -f "$samples" "$samples.stop"
sample "$samples" &
sampler=$!
run_block 4 'podman-kube -> Quadlet -> podman-kube'
touch "$samples.stop"; wait "$sampler"
if [ -x /usr/lib/systemd/system-generators/podman-system-generator ]; then
  [ "$block_rc" = 0 ] && ok "block 4 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 4 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-4.log | tail -1)"
  out 4 | grep -qF "; started '$quadlet_unit' in place of '$unit'" && out 4 | grep -qF "; started '$unit' in place of '$quadlet_unit'" \
    && ok "install --unit quadlet started $quadlet_unit in place of the podman-kube@ unit, and --unit podman-kube the other way back ($(unit_times 4))" \
    || fail "the switch: $(out 4 | grep '^summary' | tr '\n' ';')"
  both=$(awk '($2 !~ /^(inactive|failed|unknown)$/) && ($3 !~ /^(inactive|failed|unknown)$/)' "$samples" | head -3 | tr '\n' ';')
  twopods=$(awk '{n = gsub(/,/, ",", $4)} n > 1' "$samples" | head -3 | tr '\n' ';')
  ids=$(awk '{split($4, a, ","); for (i in a) if (a[i] != "") {split(a[i], b, ":"); print b[1]}}' "$samples" | uniq | tr '\n' ' ')
  states=$(awk '{print $2 "/" $3}' "$samples" | uniq | tr '\n' ' ')
  note "the switch, sampled $(wc -l <"$samples") times (podman-kube@/Quadlet unit): $states; pods: $ids"
  # Without a running pod: from the first sample without one to the next sample with one.
  timing "the switch: longest time without a running pod $(awk '$4 !~ /Running/ {if (!t) t = $1; next} t {g = $1 - t; if (g > m) m = g; t = 0} END {printf "%.2f", m / 1000}' "$samples")s, twice (there and back)"
  [ -s "$samples" ] && [ -z "$both" ] && [ -z "$twopods" ] && ok "only one unit ran the pod at any time ($(wc -l <"$samples") samples of both units and podman pod ps; pods in turn: $ids)" \
    || fail "two units or two pods at once: units: ${both:-none}; pods: ${twopods:-none}"
  [ "$(echo "$ids" | wc -w)" -ge 3 ] && [ "${ids%% *}" = "$id3" ] && ok "each switch played a new pod: $(echo "$ids" | wc -w) pods in turn, the first the one that ran" \
    || note "pods seen in turn: $ids (the first should be $id3; a sample may miss a short-lived one)"
  [ "$(systemctl is-active "$unit")" = active ] && [ "$(systemctl is-enabled "$unit")" = enabled ] && [ -z "$(systemctl list-units --all --plain --no-legend "$quadlet_unit" 2>/dev/null)" ] \
    && [ ! -e /etc/containers/systemd/opencode-memory-pod.kube ] && [ -f "/etc/systemd/system/$unit.d/opencode-memory-pod.conf" ] && wait_for 60 all_healthy \
    && ok "back on podman-kube: $unit active and enabled, all four healthy; no .kube, and systemd knows no $quadlet_unit" \
    || fail "after the switch back: $unit $(systemctl is-active "$unit")/$(systemctl is-enabled "$unit"); $quadlet_unit: $(systemctl list-units --all --plain --no-legend "$quadlet_unit")"
else
  # podman 4.3.1: no Quadlet. The first line must refuse and change nothing.
  [ "$block_rc" != 0 ] && out 4 | grep -q 'has no Quadlet (podman 4.4+); use --unit podman-kube (nothing was changed)' \
    && [ "$(pod_id)" = "$id3" ] && [ "$(systemctl is-active "$unit")" = active ] && [ ! -e /etc/containers/systemd/opencode-memory-pod.kube ] \
    && ! grep -qvE '^(inactive|unknown) ?$' <(awk '{print $3}' "$samples") \
    && ok "podman $(podman --version | awk '{print $3}'): install --unit quadlet refuses (exit $block_rc) and changes nothing: the same pod, $unit active, no .kube ($(wc -l <"$samples") samples)" \
    || fail "block 4 on podman without Quadlet: exit $block_rc, $(out 4 | grep -E 'opencode-memory-pod:' | head -2 | tr '\n' ' ') (pod $id3 -> $(pod_id))"
fi
kept "after the unit kinds"
inventory "after the unit kinds"

# ---------------------------------------------------------------- 5. a new pod name
old_watchdog=$pod-watchdog.service
run_block 5 'podName: memory'
[ "$block_rc" = 0 ] && ok "block 5 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 5 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-5.log | tail -1)"
pod=memory
wait_for 60 all_healthy && [ "$(systemctl is-active "$unit")" = active ] && [ "$(podman ps --filter pod=memory --format '{{.Names}}' | grep -c '^memory-')" = 4 ] \
  && ok "renamed: pod memory runs memory-valkey, -falkordb, -datadog, -opencode, all healthy ($(unit_times 5))" || fail "after the rename: $(podman ps -a --format '{{.Names}} {{.Status}}' | tr '\n' ';')"
leftover=$(podman ps -a --format '{{.Names}}' | grep '^opencode-memory-pod' | tr '\n' ' ')
! podman pod exists opencode-memory-pod && [ -z "$leftover" ] && [ -z "$(systemctl list-units --all --plain --no-legend "$old_watchdog")" ] \
  && [ ! -e "/etc/systemd/system/$old_watchdog" ] && [ ! -e /var/lib/opencode-memory-pod/installs/opencode-memory-pod.json ] \
  && [ "$(systemctl is-active memory-watchdog.service)" = active ] \
  && ok "nothing of the old name is left: no pod, no container, no watchdog unit (memory-watchdog.service runs), no receipt" \
  || fail "the old name is left: pod $(podman pod exists opencode-memory-pod && echo yes || echo no), containers '$leftover', $old_watchdog: $(systemctl list-units --all --plain --no-legend "$old_watchdog")"
kept "after the rename"
inventory "after the rename"

# ---------------------------------------------------------------- 6. uninstall: nothing left but the data
cp /var/lib/opencode-memory-pod/installs/memory.json /tmp/omp-day2-receipt.json 2>/dev/null
run_block 6 'uninstall'
[ "$block_rc" = 0 ] && ok "block 6 ran as written (exit 0, $(secs $block_ms)s)" || fail "block 6 failed (exit $block_rc): $(grep -E '^\+ ' /tmp/omp-day2-6.log | tail -1)"
out 6 | grep -qE '^would delete data directory /persist/containers/valkey \([0-9]+ file' && out 6 | grep -qE '^summary: uninstalled pod memory: [0-9]+ file\(s\) removed, 0 left' \
  && ok "uninstall --purge --dry-run named the data directories with their sizes; uninstall: $(out 6 | grep '^summary: uninstalled' | cut -d: -f3-) ($(unit_times 6))" \
  || fail "uninstall: $(out 6 | grep '^summary' | tr '\n' ';')"
files_left=$(node -e 'for (const f of JSON.parse(require("fs").readFileSync(process.argv[1])).files) if (require("fs").existsSync(f.path)) console.log(f.path)' /tmp/omp-day2-receipt.json 2>&1)
nfiles=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).files.length)' /tmp/omp-day2-receipt.json 2>/dev/null)
units_left=$( { systemctl list-units --all --plain --no-legend; systemctl list-unit-files --no-legend; } 2>/dev/null | awk '{print $1}' | grep -E "^(podman-kube@.*opencode|opencode-memory-pod|memory)" | sort -u | tr '\n' ' ')
pods_left=$(podman pod ps --format '{{.Name}}' | tr '\n' ' ')
ctrs_left=$(podman ps -a --format '{{.Names}}' | tr '\n' ' ')
nets_left=$(podman network ls --format '{{.Name}}' | grep -vx podman | tr '\n' ' ')
dirs_left=$(ls -d /etc/opencode-memory-pod /etc/systemd/system/podman-kube@*.d /var/lib/opencode-memory-pod /run/opencode-memory-pod/memory 2>/dev/null | tr '\n' ' ')
note "left after uninstall: files of the receipt ($nfiles): ${files_left:-none}; folders: ${dirs_left:-none}; units known to systemctl: ${units_left:-none}; pods: ${pods_left:-none}; containers: ${ctrs_left:-none}; networks: ${nets_left:-none}; in /run/opencode-memory-pod (the units' runtime folder, a tmpfs): $(ls -A /run/opencode-memory-pod 2>/dev/null | tr '\n' ' ')"
[ -n "$nfiles" ] && [ -z "$files_left" ] && [ -z "$dirs_left" ] && [ -z "$units_left" ] && [ -z "$pods_left" ] && [ -z "$ctrs_left" ] && [ -z "$nets_left" ] \
  && ok "uninstall left nothing: none of the $nfiles files of the receipt, no folder of ours, no unit known to systemctl, no pod, container or network" \
  || fail "uninstall left: files '${files_left}' folders '${dirs_left}' units '${units_left}' pods '${pods_left}' containers '${ctrs_left}' networks '${nets_left}'"
data_left=$(for d in /persist/containers/opencode/.local/share/opencode/opencode.db /persist/containers/valkey/dump.rdb /persist/containers/falkordb; do [ -e "$d" ] && echo "$d"; done | tr '\n' ' ')
[ "$(echo "$data_left" | wc -w)" = 3 ] && [ -s "$ENV_FILE" ] && podman image exists "localhost/opencode-server:$from_version" \
  && ok "the data is kept: $data_left; the env file and the images stay" || fail "data after uninstall: '$data_left'; env file $(ls -l "$ENV_FILE" 2>&1)"
inventory "after uninstall"
timing "day two, all six blocks and their checks: $(secs $(( $(now_ms) - t_all )))s"

echo "e2e-$label: $passed passed, $failed failed"
[ "$failed" = 0 ]
