#!/bin/bash
# The suite inside a booted Debian (systemd-nspawn) with its own podman: bookworm (4.3.1), trixie
# (5.4.2) or forky, Debian testing (5.8.x). Usage: machine.sh WORK SUITE bare|systemd|build
# ("build" only makes the machine's root tarball, once; run.sh builds all three side by side;
# "readme" runs README.md's On a host steps as written, see readme-steps.sh; "rules" plays the
# validator's differential cases, see ../../rules/run.sh). "systemd" runs suite.sh, reboots the
# machine, checks the pod came back, then runs day two (day-two.sh: README's Changing and removing
# blocks) on it, then a declared service (declared.sh: README's PostgreSQL beside the stack); with
# E2E_ONLY_DAY2=1 only the start of the unit, day two and the declared service.
# The root is built once with debootstrap (kept in E2E_HOME), copied for each run, booted with
# --private-network (so its host ports cannot collide with anything), and removed afterwards.
# Units are installed with the project's own `install --root`.
set -uo pipefail
. "$(dirname "$0")/env.sh"
work=$1 suite=$2 mode=$3
script=
case $suite in
  bookworm) ver=4.3.1 ;;
  trixie) ver=5.4 ;;
  # bookworm's debootstrap has no forky script; testing is built like sid.
  forky) ver=5.8; script=/usr/share/debootstrap/scripts/sid ;;
  *) e2e_die "unknown suite $suite" ;;
esac
label=$mode-$ver
# curl: the suite's client on the machine's host side (as README "On a host" shows one).
# slirp4netns: the pod's network where netavark cannot isolate a bridge (Debian 12; podman Recommends it).
packages=systemd,systemd-sysv,dbus,podman,runc,catatonit,netavark,aardvark-dns,iptables,iproute2,procps,curl,slirp4netns
[ "$suite" = forky ] && packages=$packages,nftables
# The tarball's name carries the package list, so a changed list builds a new machine.
cache=$E2E_HOME/machine-$suite-$(echo "$packages" | sha256sum | cut -c1-8).tar
if [ ! -s "$cache" ]; then
  root=$(mktemp -d "$E2E_HOME/machine-$suite.XXXX")
  chmod 755 "$root"
  e2e_log "debootstrap $suite with systemd and podman (about a minute, once)"
  # Not --variant=minbase: in a minbase root dbus-daemon never becomes ready under nspawn here,
  # and systemd-run (which needs the bus) cannot start anything.
  mirror=$(e2e_mirror) || e2e_die "no Debian mirror"
  debootstrap --include="$packages" \
    "$suite" "$root" "$mirror" $script >"$E2E_HOME/debootstrap-$suite.log" 2>&1 \
    || { tail -20 "$E2E_HOME/debootstrap-$suite.log" >&2; rm -rf "$root"; e2e_die "debootstrap $suite failed"; }
  mkdir -p "$root/etc/containers"
  echo omp-e2e >"$root/etc/hostname"
  ln -sf /dev/null "$root/etc/systemd/system/systemd-modules-load.service"
  ln -sf /lib/systemd/system/podman.socket "$root/etc/systemd/system/sockets.target.wants/podman.socket" 2>/dev/null \
    || { mkdir -p "$root/etc/systemd/system/sockets.target.wants"; ln -sf /lib/systemd/system/podman.socket "$root/etc/systemd/system/sockets.target.wants/podman.socket"; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  # A name of its own: another run may be building the same machine (the first rename wins, both whole).
  part=$(mktemp "$cache.XXXX") && chmod 644 "$part"
  tar -C "$root" -cf "$part" . && mv "$part" "$cache" || rm -f "$part"
  rm -rf "$root"
fi
[ "$mode" = build ] && exit 0

root=$(mktemp -d "$E2E_HOME/root-$label.XXXX")
chmod 755 "$root"   # it is the machine's /: mktemp's 0700 keeps dbus (messagebus) out of everything
nspawn_pid=
cleanup() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null   # nspawn turns SIGTERM into a clean poweroff
    for i in $(seq 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$nspawn_pid" 2>/dev/null
  fi
  # Killing nspawn does not end the machine's own processes (its systemd stayed): end every process
  # left in this machine's host cgroup, which holds only what this machine started.
  if [ -n "$cg" ] && [ -d "$cg" ]; then
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do kill -KILL "$p" 2>/dev/null; done
  fi
  rm -rf "$root"
  # The machine's cgroup tree, deepest first (empty once the machine is down).
  # (A killed machine's last processes may still be exiting: try for a few seconds.)
  for i in 1 2 3 4 5 6 7 8 9 10; do
    [ -n "$cg" ] && [ -d "$cg" ] || break
    find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
    sleep 0.5
  done
  return 0
}
trap cleanup EXIT
# bash runs no EXIT trap when a signal ends it: the machine must go down with us all the same.
trap 'exit 143' TERM INT HUP
tar -C "$root" -xf "$cache"
chmod 755 "$root"
e2e_containers_conf machine >"$root/etc/containers/containers.conf"

if [ "$mode" = readme ]; then
  # README "On a host", as a user runs it: the repository (tracked files), Node and npm as on this
  # machine, npm's cache (the lockfile's packages and the OpenCode release; no network in here).
  label=readme-4.3.1
  mkdir -p "$root/root/opencode-memory-pod" "$root/usr/local/lib/node_modules" "$root/var/tmp/npm-cache/_cacache" "$root/opt/omp-e2e"
  git -C "$E2E_REPO" ls-files -z | tar -C "$E2E_REPO" --null -T - -cf - | tar -C "$root/root/opencode-memory-pod" -xf - || e2e_die "copying the repository"
  cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
  npm_pkg=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  cp -a "$npm_pkg" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  host_cache=$(npm config get cache 2>/dev/null)
  [ -d "$host_cache/_cacache" ] && cp -a "$host_cache/_cacache/." "$root/var/tmp/npm-cache/_cacache/"
  cp -a "$E2E_HOME/npm-cache/_cacache/." "$root/var/tmp/npm-cache/_cacache/"
  ln "$work/readme-images.tar" "$root/var/tmp/images.tar" 2>/dev/null || cp "$work/readme-images.tar" "$root/var/tmp/images.tar" || e2e_die "readme-images.tar"
  cp "$E2E_REPO/test/e2e/lib/readme-steps.sh" "$E2E_REPO/test/e2e/lib/checks.sh" "$root/opt/omp-e2e/"
  # The one adaptation to this test machine: it has no cgroup memory controller (see testbed notes),
  # which doctor reports; the user's configuration file turns the limits off, as doctor's fix says.
  printf '# e2e: this machine has no cgroup memory controller (doctor says so)\nmemoryLimits: false\n' \
    >"$root/root/opencode-memory-pod/opencode-memory-pod.yaml"
fi

if [ "$mode" = rules ]; then
  label=rules-$ver
  ln "$work/rules-images.tar" "$root/var/tmp/images.tar" 2>/dev/null || cp "$work/rules-images.tar" "$root/var/tmp/images.tar" || e2e_die "rules-images.tar"
fi

# images, the suite and its inputs
case $mode in readme | rules) ;; *) false ;; esac || ln "$work/images.tar" "$root/var/tmp/images.tar" 2>/dev/null || cp "$work/images.tar" "$root/var/tmp/images.tar" || e2e_die "images.tar"
if [ "$mode" != readme ] && [ "$mode" != rules ]; then
mkdir -p "$root/opt/omp-e2e"
cp -r "$work/mdist/." "$root/opt/omp-e2e/"
# The user's code (a workspace of the pod, owned by the user OpenCode runs as) and a folder of the
# host that is not a workspace, which OpenCode must not see.
mkdir -p "$root/srv/omp-e2e/work" "$root/srv/omp-e2e/private"
chown 1000:1000 "$root/srv/omp-e2e/work"
echo 'not for OpenCode' >"$root/srv/omp-e2e/private/notes.txt"
if [ "$mode" = systemd ]; then
  # Day two (day-two.sh) runs the CLI in the machine: node as on this machine, and the package as
  # npm installs it (build/, runtime/, package.json), with README.md and the configuration of mdist.
  mkdir -p "$root/opt/omp-cli"
  cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
  cp -r "$E2E_REPO/build" "$E2E_REPO/runtime" "$E2E_REPO/package.json" "$root/opt/omp-cli/"
  cp "$E2E_REPO/README.md" "$E2E_REPO/test/e2e/lib/day-two.sh" "$E2E_REPO/test/e2e/lib/declared.sh" "$work/machine.yaml" "$root/opt/omp-e2e/"
  ln "$work/declared-images.tar" "$root/var/tmp/declared-images.tar" 2>/dev/null || cp "$work/declared-images.tar" "$root/var/tmp/declared-images.tar" || e2e_die "declared-images.tar"
fi
node "$E2E_REPO/build/cli.js" install --from "$work/mdist" --root "$root" >"$work/install-$label.txt" || e2e_die "install --root"
node "$E2E_REPO/build/cli.js" install --from "$work/mfault" --root "$root" >>"$work/install-$label.txt" || e2e_die "install --root (fault)"
unit=$(grep -o "enable --now '[^']*'" "$work/install-$label.txt" | head -1 | sed "s/enable --now '//; s/'$//")
fault_unit=$(grep -o "enable --now '[^']*'" "$work/install-$label.txt" | tail -1 | sed "s/enable --now '//; s/'$//")
e2e_log "installed with install --root: $unit"

# The secrets unit the design orders the pod after, as a stand-in: /run is a tmpfs, so the env file
# must be written at every boot (README, On a host).
mkdir -p "$root/var/lib/omp-e2e"
install -m 0600 "$work/opencode.env" "$root/var/lib/omp-e2e/opencode.env"
cat >"$root/etc/systemd/system/onepassword-secrets.service" <<'UNIT'
[Unit]
Description=e2e stand-in: writes /run/secrets/opencode.env at boot
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'mkdir -p /run/secrets && install -m 0600 /var/lib/omp-e2e/opencode.env /run/secrets/opencode.env'
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/onepassword-secrets.service "$root/etc/systemd/system/multi-user.target.wants/onepassword-secrets.service"

fi

# Each machine gets a cgroup of its own on the host. Without one, every machine started from the
# same host cgroup (no systemd here to place them) shares it, so a unit's cgroup inside one machine is
# the same kernel cgroup as the same unit's in the others: systemd then waits for processes of the
# other machines when it stops a unit (a kill -9 of the pod unit's main PID ran into TimeoutStopSec).
cg=
for base in /sys/fs/cgroup/unified /sys/fs/cgroup; do
  [ -f "$base/cgroup.procs" ] && [ -w "$base" ] && grep -q " $base cgroup2 " /proc/mounts && { cg=$base/omp-e2e-$label-$$; break; }
done
boot() {
  [ -n "$cg" ] && mkdir -p "$cg"
  (
    [ -n "$cg" ] && echo "$BASHPID" >"$cg/cgroup.procs"
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec setsid systemd-nspawn -q -D "$root" --boot --register=no --keep-unit --private-network \
      --capability=all --system-call-filter='@mount @keyring @privileged bpf'
  ) >>"$work/nspawn-$label.log" 2>&1 &
  nspawn_pid=$!
  leader=
  state=
  for i in $(seq 150); do
    leader=$(ps -o pid= --ppid "$nspawn_pid" 2>/dev/null | head -1 | tr -d ' ')
    [ -n "$leader" ] && state=$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null)
    case $state in running | degraded) break ;; esac
    sleep 0.2
  done
  [ -n "$leader" ] || { cat "$work/nspawn-$label.log"; e2e_die "the machine did not boot"; }
}
shutdown() { # a clean poweroff: nspawn turns SIGTERM into one; units stop as on a real shutdown
  kill -TERM "$nspawn_pid" 2>/dev/null
  for i in $(seq 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -KILL "$nspawn_pid"; e2e_log "the machine did not power off within 60 s"
    [ -n "$cg" ] && find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do kill -KILL "$p" 2>/dev/null; done
  fi
  wait "$nspawn_pid" 2>/dev/null
}
inside() { nsenter -t "$leader" -a systemd-run --wait --pipe -q -p KillMode=process "$@"; }

boot
e2e_log "booted $suite: podman $(inside podman --version | awk '{print $3}'), $(inside systemctl is-system-running)"
inside podman load -q -i /var/tmp/images.tar >/dev/null 2>&1 || e2e_die "podman load inside"
if [ "$mode" = systemd ]; then
  t0=$(date +%s%3N)
  inside podman load -q -i /var/tmp/declared-images.tar >/dev/null 2>&1 || e2e_die "podman load inside (postgres)"
  echo "timing [$label] podman load of the declared service's image (postgres): $(awk -v m=$(( $(date +%s%3N) - t0 )) 'BEGIN {printf "%.2f", m/1000}')s"
fi
if [ "$mode" = readme ]; then
  # What a registry would give: the default base (here with the tools already in, see readme-steps.sh).
  inside podman tag localhost/omp-e2e/debian-tools:bookworm docker.io/library/debian:bookworm-20261005-slim || e2e_die "podman tag"
  inside --setenv=npm_config_cache=/var/tmp/npm-cache --setenv=npm_config_offline=true --setenv=npm_config_audit=false \
    --setenv=npm_config_fund=false --setenv=npm_config_update_notifier=false --setenv=HOME=/root \
    --setenv=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash /opt/omp-e2e/readme-steps.sh /root/opencode-memory-pod
  exit $?
fi
if [ "$mode" = rules ]; then
  # The cases run from this machine's side (node is not in the machine): podman runs inside through
  # nsenter + systemd-run, files reach it under its root.
  # In the background and waited for: bash runs the TERM trap (power off) only between commands.
  RULES_LEADER=$leader RULES_ROOT=$root \
    "$E2E_REPO/node_modules/.bin/tsx" "$E2E_REPO/test/rules/differential.ts" "$work/rules-$suite.json" &
  cases_pid=$!
  trap 'kill -TERM "$cases_pid" 2>/dev/null; exit 143' TERM INT HUP
  wait "$cases_pid"
  exit $?
fi

suite_env=(--setenv=E2E_LABEL="$label" --setenv=E2E_UNIT="$unit" --setenv=FAULT_UNIT="$fault_unit"
  --setenv=ENV_FILE=/run/secrets/opencode.env --setenv=E2E_CYCLES="${E2E_CYCLES:-10}"
  --setenv=E2E_YAML=/etc/opencode-memory-pod/pod.yaml --setenv=E2E_WORKSPACE=/srv/omp-e2e/work
  --setenv=E2E_OPENCODE_NEXT="$E2E_OPENCODE_NEXT" --setenv=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
[ "$mode" = systemd ] && suite_env+=(--setenv=E2E_REBOOT=1 --setenv=E2E_DAY2=1)
day_two() { # README "Changing and removing" on the running pod (the unit left enabled and running)
  local t0=$(date +%s%3N) r
  inside "${suite_env[@]}" bash /opt/omp-e2e/day-two.sh /opt/omp-e2e; r=$?
  echo "timing [$label] day two (day-two.sh), in all: $(awk -v m=$(( $(date +%s%3N) - t0 )) 'BEGIN {printf "%.2f", m/1000}')s"
  return $r
}
declared() { # README's declared service (PostgreSQL) on the machine day two left (uninstalled, data kept)
  local t0=$(date +%s%3N) r
  inside "${suite_env[@]}" ${E2E_BREAK_DECLARED:+--setenv=E2E_BREAK_DECLARED="$E2E_BREAK_DECLARED"} ${E2E_DECLARED_IDLE:+--setenv=E2E_DECLARED_IDLE="$E2E_DECLARED_IDLE"} bash /opt/omp-e2e/declared.sh /opt/omp-e2e; r=$?
  echo "timing [$label] a declared service (declared.sh), in all: $(awk -v m=$(( $(date +%s%3N) - t0 )) 'BEGIN {printf "%.2f", m/1000}')s"
  return $r
}
if [ "$mode" = systemd ] && [ -n "${E2E_ONLY_DECLARED:-}" ]; then
  # Quicker still (not in CI): the pod started, then the declared service, whose install restarts it.
  inside systemctl enable --now "$unit" >/dev/null 2>&1 || e2e_die "systemctl enable --now $unit"
  declared
  exit $?
fi
if [ "$mode" = systemd ] && [ -n "${E2E_ONLY_DAY2:-}" ]; then
  # A quick run of day two alone (not in CI): the pod started as the suite starts it, then day two.
  inside systemctl enable --now "$unit" >/dev/null 2>&1 || e2e_die "systemctl enable --now $unit"
  day_two; r=$?
  declared || r=1
  exit $r
fi
inside "${suite_env[@]}" bash /opt/omp-e2e/suite.sh "$mode" /opt/omp-e2e
rc=$?
if [ "$mode" = systemd ]; then
  e2e_log "rebooting the machine (clean poweroff, boot again) with $unit enabled"
  t0=$(date +%s%3N)
  shutdown
  t_down=$(( $(date +%s%3N) - t0 ))
  echo "timing [$label] poweroff with the pod running: $(awk -v m="$t_down" 'BEGIN {printf "%.2f", m/1000}')s"
  boot
  inside "${suite_env[@]}" --setenv=E2E_PHASE=after-reboot bash /opt/omp-e2e/suite.sh "$mode" /opt/omp-e2e || rc=1
  day_two || rc=1
  declared || rc=1
fi
exit $rc
