# opencode-memory-pod launcher: the command of every container in the pod (POSIX sh; runs under
# dash, bash and busybox ash). podman starts a pod's containers in no particular order and has no
# native sidecars (podman 4.3.1 through 5.x), so each container orders itself:
#
#   1. export the env-file keys this service may see (parsed as data, see envfile.sh);
#   2. take this container's lock, "<state>/<name>/lock": the service inherits it, so it is held
#      exactly as long as the container's processes run. <state>/<name> is this container's own
#      volume: only this container mounts it read-write; the services that wait for it see it
#      read-only, so none of them can post, change, remove or replace its markers and lock;
#   3. wait, bounded, until every service it depends on has posted "<state>/<dep>/healthy" in this
#      pod's network namespace AND still holds its lock (the volumes survive `podman pod restart`,
#      which restarts containers concurrently: a marker of a stopped container, or of one still
#      running in the pod's previous network namespace, does not count); give up (exit 1) and say
#      why;
#   4. fork a short-lived poller that runs this service's own health check and posts its marker
#      once it passes (dependents wait for it; the liveness probe reads it to tell "starting"
#      from "failing"), or "<state>/<name>/failed" when it has not passed within the timeout;
#   5. with --user, make the service's own folders its user's, then switch to that user (setpriv,
#      util-linux): the steps above need root (the env file and the state directory are root's);
#      without it, make each --private folder 0700 while root owns it (podman made it 0755);
#   6. set the --umask, then exec the image's real entrypoint, so the service becomes the
#      container's main process and nothing of ours stays resident once the poller is done.
#
# Usage: launch.sh --name NAME [--after DEP]... [--timeout SECONDS] [--post-health]
#                  [--env KEY]... [--env-all] [--requirepass-from KEY [--require-password]]
#                  [--user UID:GID [--own DIR]...] [--private DIR]... [--umask OCTAL]
#                  -- ENTRYPOINT [ARG]...
set -u

omp_dir=${OMP_DIR:-/opt/opencode-memory-pod}
omp_state=${OMP_STATE_DIR:-/run/opencode-memory-pod/state}
omp_env_file=${OMP_ENV_FILE:-/run/opencode-memory-pod/opencode.env}
omp_etc=${OMP_ETC_DIR:-/etc}

name=
after=
timeout=120
post=0
keys=
OMP_REQUIREPASS_KEY=
require_pass=
run_as=
own_dirs=
private_dirs=
omp_umask=

log() { printf 'opencode-memory-pod[%s]: %s\n' "${name:-launcher}" "$*" >&2; }
die() { log "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --after) after="$after $2"; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --post-health) post=1; shift ;;
    --env) keys="$keys $2"; shift 2 ;;
    --env-all) keys='*'; shift ;;
    --requirepass-from) OMP_REQUIREPASS_KEY=$2; shift 2 ;;
    --require-password) require_pass=1; shift ;;
    --user) run_as=$2; shift 2 ;;
    --own) own_dirs="$own_dirs $2"; shift 2 ;;
    --private) private_dirs="$private_dirs $2"; shift 2 ;;
    --umask) omp_umask=$2; shift 2 ;;
    --) shift; break ;;
    *) die "unknown launcher option: $1" ;;
  esac
done
[ -n "$name" ] || die "--name is required"
case $name in */* | . | ..) die "--name must be a service name, got: $name" ;; esac
[ $# -gt 0 ] || die "no entrypoint given after --"
case $timeout in '' | *[!0-9]*) die "--timeout must be whole seconds, got: $timeout" ;; esac
case $omp_umask in '' | [0-7][0-7][0-7] | [0-7][0-7][0-7][0-7]) ;; *) die "--umask must be 3 or 4 octal digits, got: $omp_umask" ;; esac
case $run_as in '' | [0-9]*:[0-9]*) case ${run_as%%:*}${run_as#*:} in *[!0-9]*) die "--user must be UID:GID, got: $run_as" ;; esac ;; *) die "--user must be UID:GID, got: $run_as" ;; esac

# Centiseconds since boot, from /proc/uptime: no process is spawned for the clock.
now_cs() {
  read -r omp_up omp_rest </proc/uptime
  omp_up_s=${omp_up%.*}
  omp_up_frac=${omp_up#*.}
  echo $((omp_up_s * 100 + ${omp_up_frac#0}))
}
seconds_since() { # START_CS -> "S.CC"
  omp_d=$(( $(now_cs) - $1 ))
  printf '%d.%02d' $((omp_d / 100)) $((omp_d % 100))
}

started=$(now_cs)
# As a container's PID 1 the shell ignores SIGTERM unless it handles it: without this, stopping a
# pod whose services are still waiting would take the whole stop timeout. exec drops the trap.
trap 'exit 143' TERM INT

. "$omp_dir/envfile.sh"
omp_requirepass=
omp_load_env "$omp_env_file" "$keys" || die "not starting $name"
# requirePassword: published beyond loopback, this store must never run without its password.
[ -n "$require_pass" ] && [ -z "$omp_requirepass" ] \
  && die "not starting $name: the env file sets no ${OMP_REQUIREPASS_KEY:-password} (requirePassword: it is published beyond loopback)"

# This container's own state directory (its own volume; the parent holds the others', read-only).
# Root's and 0700: a service that runs as its own user (OpenCode's runAs) cannot even open a lock
# of another service to hold it.
omp_own=$omp_state/$name
mkdir -p "$omp_own" && chmod 0700 "$omp_own" || die "cannot create state directory $omp_own"
# Our markers from an earlier run of this container (a crash, a pod restart) must not tell
# dependents we are healthy: remove them BEFORE taking the lock, so that whoever sees the lock held
# and then a marker sees one posted by this run.
rm -f "$omp_own/healthy" "$omp_own/failed"
# flock is in every image (util-linux on Debian and Ubuntu, busybox on Alpine). Without it markers
# are trusted as they are, as before locks existed.
omp_locks=
if command -v flock >/dev/null 2>&1; then
  # A new lock file for every run, never waited for long: flock(2) needs no write access, so a process
  # in a container that reads this directory (a dependent, as root) can hold whatever lock file it
  # can open. Held by such a process, a lock file kept across runs would stop this service from
  # ever starting again; a new one leaves it holding a file nobody looks at. An earlier run of this
  # container holds nothing by now: podman starts a container again only after all of its processes
  # have ended (the kernel ends a PID namespace's processes with its init).
  rm -f "$omp_own/lock"
  exec 9>"$omp_own/lock" || die "cannot create $omp_own/lock"
  # A dependent's probe (dep_running, a shared flock for the few ms it runs) may hold the new file
  # at this very moment: try again for up to 2 s rather than run without our lock. Seen on 5.4.2
  # (a pod restart during a start): FalkorDB ran without its lock, and OpenCode then waited for it
  # until its timeout. Still not ours after that: someone holds it on purpose, and dependents see
  # it held while they do.
  omp_try=0
  until flock -n -x 9; do
    omp_try=$((omp_try + 1))
    [ "$omp_try" -ge 40 ] && { log "$omp_own/lock is held by another process; dependents see it held while it is"; break; }
    sleep 0.05
  done
  omp_locks=1
else
  log "no flock in this image: markers of an earlier pod run cannot be told apart"
fi

# A dependency's marker counts while its container runs in THIS pod: its lock is held (taken after
# its old markers were removed, so: lock held, then marker present = a marker of the running
# container), and the marker names our network namespace. `podman pod restart` restarts the
# containers concurrently and gives the pod a new network namespace: a dependency that has not been
# restarted yet still holds its lock, but its marker names the old namespace, which is still alive
# (its processes are in it), so the two cannot be equal.
# Sets dep_st to healthy, failed or waiting; the lock is asked only once a marker is there.
omp_netns=$(readlink /proc/self/ns/net 2>/dev/null)
dep_running() {
  [ -z "$omp_locks" ] && return 0
  # Read-only here: flock opens an existing file; a missing one is no lock. Shared: two dependents
  # probing at once must not take each other's probe for the service's own (exclusive) lock.
  [ -e "$omp_state/$1/lock" ] || return 1
  ! flock -n -s "$omp_state/$1/lock" true 9>&- 2>/dev/null
}
marker_here() { # FILE: exists and was posted in this pod's network namespace
  [ -e "$1" ] || return 1
  omp_posted=
  read -r omp_posted <"$1" 2>/dev/null
  [ "$omp_posted" = "netns $omp_netns" ]
}
dep_state() {
  dep_st=waiting
  [ -e "$omp_state/$1/healthy" ] || [ -e "$omp_state/$1/failed" ] || return 0
  dep_running "$1" || return 0
  if marker_here "$omp_state/$1/healthy"; then dep_st=healthy; elif marker_here "$omp_state/$1/failed"; then dep_st=failed; fi
}

deadline=$((started + timeout * 100))
for dep in $after; do
  dep_state "$dep"
  [ "$dep_st" = healthy ] && { log "$dep is healthy"; continue; }
  log "waiting for $dep to become healthy (gives up after ${timeout}s)"
  next_note=$(( $(now_cs) + 1000 ))
  while :; do
    dep_state "$dep"
    [ "$dep_st" = healthy ] && break
    if [ "$dep_st" = failed ]; then
      die "$dep failed to become healthy ($(sed -n 2p "$omp_state/$dep/failed" 2>/dev/null)); not starting $name"
    fi
    t=$(now_cs)
    [ "$t" -ge "$deadline" ] && die "$dep is not healthy after ${timeout}s; not starting $name (check: podman logs <pod>-$dep)"
    if [ "$t" -ge "$next_note" ]; then
      log "still waiting for $dep ($(seconds_since "$started")s)"
      next_note=$((t + 1000))
    fi
    sleep 0.05
  done
  log "$dep is healthy (waited $(seconds_since "$started")s)"
done

if [ "$post" = 1 ]; then
  # The poller ends as soon as the check passes or the timeout expires. It is a child of the
  # service after exec: s6-svscan (Datadog) reaps it, redis-server (Valkey, FalkorDB) does not,
  # which leaves one <defunct> entry holding no memory until the container stops.
  (
    poll_start=$(now_cs)
    poll_deadline=$((poll_start + timeout * 100))
    until sh "$omp_dir/health.sh" "$name" >/dev/null 2>&1; do
      if [ "$(now_cs)" -ge "$poll_deadline" ]; then
        printf 'netns %s\nown health check still failing after %ss\n' "$omp_netns" "$timeout" >"$omp_own/.failed.tmp"
        mv -f "$omp_own/.failed.tmp" "$omp_own/failed"
        log "not healthy after ${timeout}s; told the services that wait for $name"
        exit 0
      fi
      sleep 0.1
    done
    printf 'netns %s\n' "$omp_netns" >"$omp_own/.healthy.tmp" && mv -f "$omp_own/.healthy.tmp" "$omp_own/healthy"
    log "healthy $(seconds_since "$poll_start")s after start; dependents may start"
  ) </dev/null &
fi

if [ -n "$run_as" ]; then
  omp_uid=${run_as%%:*} omp_gid=${run_as#*:}
  # util-linux's setpriv: busybox's applet has a setpriv without --reuid/--regid/--clear-groups.
  setpriv --reuid=0 --regid=0 --clear-groups true 2>/dev/null \
    || die "--user $run_as needs util-linux's setpriv (with --reuid, --regid, --clear-groups) in the image; not starting $name"
  # The service's folders (its home, and those podman made as root for nested mounts) become its
  # user's: made when missing, handed over only when root owns them, never recursively. A folder of
  # another user is not ours to take: say so and stop, rather than start a service that cannot write.
  for d in $own_dirs; do
    if [ -L "$d" ] || { [ -e "$d" ] && [ ! -d "$d" ]; }; then
      die "$d is not a directory; not starting $name"
    elif [ ! -e "$d" ]; then
      mkdir -m 0700 "$d" && chown -h "$omp_uid:$omp_gid" "$d" || die "cannot create $d for $run_as"
    fi
  done
  # One stat for all of them (a process per folder cost ~3 ms each, at every start).
  while read -r omp_owner d; do
    case $omp_owner in
      "$omp_uid:$omp_gid") ;;
      unreadable) die "cannot read the owners of$d; not starting $name" ;;
      # chown -h and a chmod run as the user: a link swapped in meanwhile changes nothing of root's.
      0:*) chown -h "$omp_uid:$omp_gid" "$d" && setpriv --reuid="$omp_uid" --regid="$omp_gid" --clear-groups chmod 0700 "$d" \
        || die "cannot hand $d to $run_as" ;;
      *) die "$d belongs to $omp_owner, not $run_as: on the host, chown -R $run_as the folder mounted there (opencode-memory-pod install does it); not starting $name" ;;
    esac
  done <<OMP_OWNERS
$(stat -c '%u:%g %n' $own_dirs || echo "unreadable $own_dirs")
OMP_OWNERS
  # Tools look the user up (git's identity, whoami, the shell's prompt): name it in the container's
  # own passwd and group files when the image has no entry (they are the container's, not the host's).
  grep -q "^[^:]*:[^:]*:$omp_uid:" "$omp_etc/passwd" 2>/dev/null \
    || printf '%s:x:%s:%s:%s:%s:/bin/sh\n' "$name" "$omp_uid" "$omp_gid" "$name" "${HOME:-/}" >>"$omp_etc/passwd" 2>/dev/null || :
  grep -q "^[^:]*:[^:]*:$omp_gid:" "$omp_etc/group" 2>/dev/null || printf '%s:x:%s:\n' "$name" "$omp_gid" >>"$omp_etc/group" 2>/dev/null || :
  # no_new_privs: no setuid binary in the image can bring root back. The lock (fd 9) goes along.
  set -- setpriv --reuid="$omp_uid" --regid="$omp_gid" --clear-groups --no-new-privs -- "$@"
  log "running as $run_as"
fi

if [ -n "$private_dirs" ]; then
  # The service's data folder, private before its entrypoint runs (Valkey's then hands it to its
  # user: chown, which keeps the mode). Only while root owns it: another owner's (the image user's,
  # after a first start; install's) is left as it is, and doctor says when it is not 0700. A mount
  # point cannot be swapped for a link from inside the container; a link here is refused all the same.
  for d in $private_dirs; do
    [ -d "$d" ] && [ ! -L "$d" ] || die "$d is not a directory; not starting $name"
  done
  while read -r omp_owner omp_mode d; do
    case $omp_owner:$omp_mode in
      unreadable:*) die "cannot read the modes of $d; not starting $name" ;;
      0:700) ;;
      0:*) chmod 0700 "$d" || die "cannot make $d private (mode $omp_mode)" ;;
    esac
  done <<OMP_MODES
$(stat -c '%u %a %n' $private_dirs || echo "unreadable - $private_dirs")
OMP_MODES
fi
# After the launcher's own files (markers, locks): only what the service writes gets it.
[ -n "$omp_umask" ] && umask "$omp_umask"

log "starting: $*"
if [ -n "$OMP_REQUIREPASS_KEY" ]; then
  # Redis-protocol server started with a "-" argument reads extra config from stdin. The password
  # goes there, escaped for the config parser, so it is in no argv, manifest or `podman inspect`.
  if [ -n "$omp_requirepass" ]; then
    omp_escaped=$(printf '%s' "$omp_requirepass" | sed 's/[\\"]/\\&/g')
    exec "$@" <<OMP_CONFIG
requirepass "$omp_escaped"
OMP_CONFIG
  fi
  exec "$@" </dev/null
fi
exec "$@"
