#!/usr/bin/env bash
# The official image's docker-entrypoint.sh (docker-library/postgres), its contract in short:
#  - a first argument starting with - runs postgres with those arguments;
#  - `postgres` as root: PGDATA made (0700) and handed to postgres with the socket folder, then the
#    same script again as postgres (the official one uses gosu; util-linux setpriv here);
#  - an empty PGDATA: initdb with POSTGRES_USER (postgres) and POSTGRES_PASSWORD, read by initdb from
#    a pipe (never argv), POSTGRES_INITDB_ARGS; `host all all all` needs the password
#    (POSTGRES_HOST_AUTH_METHOD, scram-sha-256), while initdb's own lines before it trust 127.0.0.1
#    unless POSTGRES_INITDB_ARGS has --auth-host; no password and no trust: refused, as the real one;
#  - then exec "$@": postgres is the container's main process.
# Not here: POSTGRES_DB and /docker-entrypoint-initdb.d themselves (their temporary server is).
set -Eeo pipefail
if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chmod 00700 "$PGDATA" || :
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
  fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
      echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
      echo '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.' >&2
      exit 1
    fi
    mkdir -p "$PGDATA" && chmod 00700 "$PGDATA"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image.
    initdb --username="${POSTGRES_USER:-postgres}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") $POSTGRES_INITDB_ARGS
    printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"
    # As the official one: a temporary server on the socket only (where it would make POSTGRES_DB
    # and run /docker-entrypoint-initdb.d), then a fast stop: a first start takes that long too.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  fi
fi
exec "$@"
