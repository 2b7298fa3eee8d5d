#!/bin/sh
# The browser's entrypoint, as strict as the real one (FalkorDB browser docker-entrypoint.sh): it
# takes /app/.data for uid 1001 and drops to it (su-exec nextjs there, setpriv here: the same
# chown/setuid/setgid the container must be allowed). A failure stops the browser, as it does there.
set -e
chown -R nextjs:nodejs /app/.data
exec setpriv --reuid=1001 --regid=1001 --clear-groups -- "$@"
