#!/bin/sh
# The valkey image's entrypoint, step for step (images.md, section 1).
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = 'valkey-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user valkey -exec chown valkey '{}' +
  exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi
um="$(umask)"
if [ "$um" = '0022' ]; then
  umask 0077
fi
exec "$@" $VALKEY_EXTRA_FLAGS
