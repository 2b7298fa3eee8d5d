#!/bin/sh
# The browser's entrypoint (runs "$@"; the real one drops to uid 1001 with su-exec).
exec "$@"
