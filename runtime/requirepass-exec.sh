# opencode-memory-pod, Kubernetes target: start a Redis-protocol server (Valkey, FalkorDB) with
# its password taken from the environment (a secretKeyRef) and handed over on stdin, so it is in
# no argv and not in the server's own environment. POSIX sh.
#
# Usage: requirepass-exec.sh KEY -- ENTRYPOINT [ARG]...   (the server's args start with "-")
set -u
key=${1:?usage: requirepass-exec.sh KEY -- ENTRYPOINT [ARG]...}
shift
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "requirepass-exec.sh: no entrypoint given after --" >&2; exit 1; }
case $key in '' | *[!A-Za-z0-9_]*) echo "requirepass-exec.sh: bad variable name: $key" >&2; exit 1 ;; esac
# $key is checked above to be a plain name; eval expands that variable, never its value.
eval "omp_requirepass=\${$key:-}"
unset "$key"
if [ -n "$omp_requirepass" ]; then
  # Escaped for the server's config parser: backslash and double quote.
  omp_escaped=$(printf '%s' "$omp_requirepass" | sed 's/[\\"]/\\&/g')
  unset omp_requirepass
  exec "$@" <<OMP_CONFIG
requirepass "$omp_escaped"
OMP_CONFIG
fi
exec "$@" </dev/null
